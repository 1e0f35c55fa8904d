import { SigV4Presigner, encodeKeyPath, encodeRfc3986 } from "@stowage/sigv4";
import {
  attachmentDisposition,
  StorageError,
  type Capabilities,
  type DriverOperationOptions,
  type DriverSignGetOptions,
  type DriverSignPutOptions,
  type DriverSignUploadPartOptions,
  type SignedRequest,
  type UploadedPart,
  type UrlSigner,
} from "@stowage/core";
import { listPartsOverS3 } from "./r2-s3-list-parts.js";

export interface R2PresignerOptions {
  /** The Cloudflare account id: the endpoint is `https://<accountId>.r2.cloudflarestorage.com`. */
  accountId?: string;
  /** The bucket's name (a binding does not know it). */
  bucketName: string;
  /** An R2 API token's access key id. */
  accessKeyId: string;
  /** An R2 API token's secret access key. */
  secretAccessKey: string;
  /**
   * Another S3 endpoint, such as `https://<accountId>.eu.r2.cloudflarestorage.com`
   * for a jurisdiction, or a local S3 server in tests (`http://`). Path-style:
   * URLs are `<endpoint>/<bucketName>/<key>`.
   *
   * An `https://` endpoint must be R2's S3 API domain
   * (`*.r2.cloudflarestorage.com`): R2 presigned URLs do not work on a
   * bucket's custom domain or on `r2.dev`, so those are refused with
   * `InvalidArgument` (for URLs on your own domain, use the gateway mode).
   */
  endpoint?: string;
  /** The SigV4 region; R2 uses `auto`. */
  region?: string;
  /** The `fetch` that lists an upload's parts (S3 ListParts); the global one by default. */
  fetch?: typeof fetch;
}

/**
 * The native-mode signer `r2Presigner` returns: besides signGet and
 * signPut, it presigns UploadPart URLs and lists an upload's parts on R2's
 * S3 endpoint (the parts never pass through the Worker).
 */
export interface R2PresignerSigner extends UrlSigner {
  /**
   * A presigned UploadPart PUT (`?partNumber=N&uploadId=…&x-id=UploadPart`),
   * byte-identical to `@aws-sdk/s3-request-presigner`'s for
   * `UploadPartCommand`; with `size`, `Content-Length` is signed, so R2
   * refuses a body of another length.
   */
  signUploadPart(key: string, uploadId: string, partNumber: number, options: DriverSignUploadPartOptions): Promise<SignedRequest>;
  /** The upload's parts from R2's S3 ListParts (a presigned GET fetched from the Worker). */
  listUploadParts(key: string, uploadId: string, options: DriverOperationOptions): Promise<UploadedPart[]>;
}

/**
 * What native presigning enforces: S3 checks the signed Content-Type and
 * Content-Length. R2 has no POST policies (so no `maxSize`) and no one-time
 * URLs; use the gateway mode (`@stowage/http` in a Worker route) for those.
 */
export const r2PresignerCapabilities: Readonly<Partial<Capabilities>> = Object.freeze({
  signGet: true,
  signPut: true,
  signPutContentType: true,
  signPutSize: true,
  // R2 serves the GETs itself and knows nothing of Stowage's expiry (core HEADs before signing).
  signGetExpiry: false,
});

/**
 * Presigns URLs against R2's S3 endpoint with SigV4 (native mode), with an R2
 * API token, through `@stowage/sigv4` (the day's signing key is cached; a URL
 * costs microseconds). The URLs are the same, byte for byte, as
 * `@aws-sdk/s3-request-presigner`'s for the same inputs and clock.
 */
export function r2Presigner(options: R2PresignerOptions): R2PresignerSigner {
  if (options === null || typeof options !== "object") throw invalid("r2Presigner needs options");
  const { bucketName, accessKeyId, secretAccessKey } = options;
  for (const [name, value] of Object.entries({ bucketName, accessKeyId, secretAccessKey })) {
    if (typeof value !== "string" || value.length === 0) throw invalid(`r2Presigner needs ${name}`);
  }
  let endpoint = options.endpoint;
  if (endpoint === undefined) {
    if (typeof options.accountId !== "string" || !/^[A-Za-z0-9-]+$/.test(options.accountId)) {
      throw invalid("r2Presigner needs accountId (or endpoint)");
    }
    endpoint = `https://${options.accountId}.r2.cloudflarestorage.com`;
  }
  let base: URL;
  try {
    base = new URL(endpoint);
  } catch {
    throw invalid(`endpoint must be an absolute URL (got ${JSON.stringify(endpoint)})`);
  }
  checkPresignHost(base);
  const origin = base.origin;
  const basePath = `${base.pathname.replace(/\/+$/, "")}/${encodeRfc3986(bucketName)}/`;
  const presigner = new SigV4Presigner({ accessKeyId, secretAccessKey, region: options.region ?? "auto" });

  const fetcher = options.fetch ?? ((input, init) => fetch(input, init));
  const presign = (
    method: "GET" | "PUT",
    key: string,
    now: Date,
    expiresIn: number,
    query: Record<string, string>,
    headers: Record<string, string>,
  ): string =>
    presigner.presign({
      method,
      url: origin + basePath + encodeKeyPath(key),
      date: now,
      expiresIn,
      headers,
      query: { "x-id": method === "PUT" ? "PutObject" : "GetObject", ...query },
    });

  return {
    capabilities: r2PresignerCapabilities,
    async signPut(key: string, signOptions: DriverSignPutOptions): Promise<SignedRequest> {
      if (signOptions.maxSize !== undefined || signOptions.oneTime || signOptions.ifNotExists) {
        throw new StorageError("Unsupported", "R2 presigned URLs cannot enforce maxSize, oneTime or ifNotExists");
      }
      const signedHeaders: Record<string, string> = {};
      const clientHeaders: Record<string, string> = {};
      if (signOptions.contentType !== undefined) {
        signedHeaders["content-type"] = signOptions.contentType;
        clientHeaders["content-type"] = signOptions.contentType;
      }
      if (signOptions.size !== undefined) signedHeaders["content-length"] = String(signOptions.size);
      const url = presign("PUT", key, signOptions.now, signOptions.expiresIn, {}, signedHeaders);
      return { url, method: "PUT", headers: clientHeaders, expiresAt: new Date(signOptions.expiresAt.getTime()) };
    },
    /**
     * Safe by default: the URL carries `response-content-disposition`
     * (R2's S3 API honours response-* overrides): `attachment` unless the
     * signer asked for `inline`, which leaves the object's stored disposition
     * (as `@stowage/http` and the s3 driver do), so a browser sent to an uploaded HTML or SVG
     * object downloads it instead of running it on the bucket's origin;
     * `<img>`, `<video>` and `<audio>` still show it. R2 cannot add a
     * Content-Security-Policy to a presigned GET, so `inline` objects are
     * served without the sandbox `@stowage/http` adds.
     */
    async signGet(key: string, signOptions: DriverSignGetOptions): Promise<SignedRequest> {
      const query: Record<string, string> = {};
      if (signOptions.downloadFilename !== undefined) {
        query["response-content-disposition"] = attachmentDisposition(signOptions.downloadFilename);
      } else if (signOptions.inline !== true) {
        query["response-content-disposition"] = "attachment";
      }
      if (signOptions.responseContentType !== undefined) query["response-content-type"] = signOptions.responseContentType;
      const url = presign("GET", key, signOptions.now, signOptions.expiresIn, query, {});
      return { url, method: "GET", headers: {}, expiresAt: new Date(signOptions.expiresAt.getTime()) };
    },
    async signUploadPart(key: string, uploadId: string, partNumber: number, signOptions: DriverSignUploadPartOptions): Promise<SignedRequest> {
      if (typeof uploadId !== "string" || uploadId.length === 0) throw invalid("uploadId must be a non-empty string");
      if (!Number.isSafeInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
        throw invalid(`partNumber must be a whole number from 1 to 10000 on R2 (got ${String(partNumber)})`);
      }
      // Every HTTP client sends Content-Length from the body (browsers forbid setting it), so it is signed but not in `headers`.
      const headers: Record<string, string> = signOptions.size === undefined ? {} : { "content-length": String(signOptions.size) };
      const query = { "x-id": "UploadPart", partNumber: String(partNumber), uploadId };
      const url = presign("PUT", key, signOptions.now, signOptions.expiresIn, query, headers);
      return { url, method: "PUT", headers: {}, expiresAt: new Date(signOptions.expiresAt.getTime()) };
    },
    listUploadParts(key: string, uploadId: string, listOptions: DriverOperationOptions = {}): Promise<UploadedPart[]> {
      return listPartsOverS3((target, query) => presign("GET", target, new Date(), 60, query, {}), fetcher, key, uploadId, listOptions);
    },
  };
}

const r2ApiHost = /(^|\.)r2\.cloudflarestorage\.com$/;

/**
 * Refuses an endpoint where R2 presigned URLs cannot work. Cloudflare's docs:
 * presigned URLs work with the S3 API domain and cannot be used with custom
 * domains (nor with the public `r2.dev` URL). So an `https:` endpoint must be
 * `*.r2.cloudflarestorage.com`; plain `http:` stays open for a local S3
 * server in tests.
 */
function checkPresignHost(base: URL): void {
  const host = base.hostname.toLowerCase();
  if (base.protocol !== "https:" && base.protocol !== "http:") {
    throw invalid(`endpoint must be an https:// URL of R2's S3 API (got ${JSON.stringify(base.href)})`);
  }
  const publicDev = host === "r2.dev" || host.endsWith(".r2.dev");
  if (!publicDev && (r2ApiHost.test(host) || base.protocol === "http:")) return;
  throw invalid(
    `endpoint ${JSON.stringify(base.origin)} is not R2's S3 API domain: R2 presigned URLs work only on ` +
      "https://<accountId>.r2.cloudflarestorage.com (or a jurisdiction's https://<accountId>.eu.r2.cloudflarestorage.com), " +
      "never on a bucket's custom domain or r2.dev. Leave endpoint out (accountId builds it), or, for signed URLs on your own domain, " +
      "sign with createHmacSigner({ secrets, baseUrl }) from @stowage/core and serve baseUrl with @stowage/http's createSignedUrlHandler in a Worker route on that domain (gateway mode)",
  );
}

function invalid(message: string): StorageError {
  return new StorageError("InvalidArgument", message);
}
