import type { S3Client } from "@aws-sdk/client-s3";
import {
  StorageError,
  attachmentDisposition,
  type DriverSignGetOptions,
  type DriverSignPutOptions,
  type SignedRequest,
} from "@stowage/core";
import { SigV4Presigner, encodeKeyPath } from "@stowage/sigv4";
import { bucketBaseUrl } from "./bucket-url.js";
import type { S3Credentials } from "./s3-driver-options.js";
import type { S3Profile } from "./s3-profiles.js";

/** What the signer needs to address and sign for the bucket. */
export interface S3UrlSignerSettings {
  client: S3Client;
  bucket: string;
  region: string;
  endpoint?: string;
  /** The origin signed URLs point at instead of `endpoint` (a CDN or proxy that forwards Host unchanged). */
  signingEndpoint?: string;
  forcePathStyle: boolean;
  credentials?: S3Credentials;
  profile: S3Profile;
}

/**
 * Presigned PUT, POST and GET URLs, made by `@stowage/sigv4` (byte-identical
 * to `@aws-sdk/s3-request-presigner`'s), with the credentials of the driver
 * or of its client's provider chain.
 */
export class S3UrlSigner {
  private baseUrl: string | undefined;
  private presigner: SigV4Presigner | undefined;
  private presignerIdentity: unknown;

  constructor(private readonly settings: S3UrlSignerSettings) {}

  async signPut(key: string, options: DriverSignPutOptions): Promise<SignedRequest> {
    const profile = this.settings.profile;
    if (options.oneTime) throw new StorageError("Unsupported", "S3 cannot make a presigned URL single-use");
    const [presigner, base] = await Promise.all([this.signer(), this.bucketUrl()]);
    if (options.maxSize !== undefined && options.size === undefined) {
      if (!profile.supportsPostPolicy) {
        throw new StorageError("Unsupported", `The ${profile.name} profile has no POST policy uploads, so maxSize cannot be enforced`);
      }
      if (options.ifNotExists) throw new StorageError("Unsupported", "A POST policy upload cannot be create-only (ifNotExists)");
      const post = presigner.presignPost({
        url: base,
        bucket: this.settings.bucket,
        key,
        date: options.now,
        expiresIn: options.expiresIn,
        ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
        contentLengthRange: { min: 0, max: options.maxSize },
        // 201 answers an XML body with the ETag (the default 204 has none).
        successActionStatus: 201,
      });
      return { url: post.url, method: "POST", headers: {}, fields: post.fields, expiresAt: options.expiresAt };
    }
    if (options.ifNotExists && !profile.signedIfNoneMatch) {
      throw new StorageError("Unsupported", `The ${profile.name} profile does not enforce a signed If-None-Match`);
    }
    // The headers the client sets itself. Content-Length is signed too, but
    // every HTTP client sends it from the body (browsers forbid setting it).
    const headers: Record<string, string> = {};
    if (options.contentType !== undefined) headers["content-type"] = options.contentType;
    if (options.ifNotExists) headers["if-none-match"] = "*";
    const signedHeaders = options.size === undefined ? headers : { ...headers, "content-length": String(options.size) };
    const url = presigner.presign({
      method: "PUT",
      url: `${base}/${encodeKeyPath(key)}`,
      date: options.now,
      expiresIn: options.expiresIn,
      headers: signedHeaders,
      query: { "x-id": "PutObject" },
    });
    return { url, method: "PUT", headers, expiresAt: options.expiresAt };
  }

  /**
   * A presigned GET. S3 serves the type the uploader chose, so unless the
   * signer opts in with `inline`, the URL asks for `Content-Disposition:
   * attachment` (with the download name when one is given): a browser sent
   * to an HTML or SVG object downloads it instead of running it on the
   * bucket's origin. `<img>` and `<video>` still display it.
   */
  async signGet(key: string, options: DriverSignGetOptions): Promise<SignedRequest> {
    const [presigner, base] = await Promise.all([this.signer(), this.bucketUrl()]);
    const query: Record<string, string> = { "x-id": "GetObject" };
    const inline = options.inline === true;
    if (options.downloadFilename !== undefined) query["response-content-disposition"] = attachmentDisposition(options.downloadFilename);
    else if (!inline) query["response-content-disposition"] = "attachment";
    if (options.responseContentType !== undefined) query["response-content-type"] = options.responseContentType;
    const url = presigner.presign({
      method: "GET",
      url: `${base}/${encodeKeyPath(key)}`,
      date: options.now,
      expiresIn: options.expiresIn,
      query,
    });
    return { url, method: "GET", headers: {}, expiresAt: options.expiresAt };
  }

  /** The presigner (for the current credentials) and the bucket's base URL, for other presigned requests (part URLs). */
  async prepare(): Promise<{ presigner: SigV4Presigner; base: string }> {
    const [presigner, base] = await Promise.all([this.signer(), this.bucketUrl()]);
    return { presigner, base };
  }

  private async signer(): Promise<SigV4Presigner> {
    const { credentials, region, client } = this.settings;
    if (credentials !== undefined) {
      this.presigner ??= new SigV4Presigner({ ...credentials, region, service: "s3" });
      return this.presigner;
    }
    const provider = client.config.credentials as () => Promise<S3Credentials>;
    const identity = await provider();
    if (this.presigner === undefined || this.presignerIdentity !== identity) {
      this.presigner = new SigV4Presigner({ ...identity, region, service: "s3" });
      this.presignerIdentity = identity;
    }
    return this.presigner;
  }

  private async bucketUrl(): Promise<string> {
    if (this.baseUrl !== undefined) return this.baseUrl;
    const { client, bucket, region, forcePathStyle } = this.settings;
    let endpoint = this.settings.signingEndpoint ?? this.settings.endpoint;
    if (endpoint === undefined && typeof client.config.endpoint === "function") {
      const resolved = (await client.config.endpoint()) as { protocol: string; hostname: string; port?: number; path?: string };
      endpoint = `${resolved.protocol}//${resolved.hostname}${resolved.port ? `:${resolved.port}` : ""}${resolved.path ?? ""}`;
    }
    this.baseUrl = bucketBaseUrl({ bucket, region, forcePathStyle, ...(endpoint === undefined ? {} : { endpoint }) });
    return this.baseUrl;
  }
}
