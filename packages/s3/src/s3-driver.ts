import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
  type GetObjectCommandOutput,
  type HeadObjectCommandOutput,
  type PutObjectCommandInput,
} from "@aws-sdk/client-s3";
import {
  putObjectInfo,
  attachmentDisposition,
  StorageError,
  noCapabilities,
  type Capabilities,
  type DriverGetOptions,
  type DriverGetResult,
  type DriverListOptions,
  type DriverPutBody,
  type DriverPutOptions,
  type DriverSignGetOptions,
  type DriverSignPutOptions,
  type ListPage,
  type ObjectInfo,
  type SignedRequest,
  type StorageDriver,
} from "@stowage/core";
import { SigV4Presigner, encodeKeyPath } from "@stowage/sigv4";
import { bucketBaseUrl } from "./bucket-url.js";
import { mapS3Error, s3CodeOf, statusOf } from "./map-s3-error.js";
import { PartReader } from "./part-reader.js";
import { responseBodyStream } from "./response-body-stream.js";
import { computePartSize, maxParts } from "./part-size.js";
import { resolveProfile, type S3Profile, type S3ProfileName } from "./s3-profiles.js";

const mebibyte = 1024 * 1024;
const wellFormedEtag = /^[0-9a-f]{32}(-[1-9][0-9]{0,4})?$/;

/** Static credentials for the driver and its fast presigner. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3DriverOptions {
  bucket: string;
  /** The signing region, such as `"us-east-1"` (R2: `"auto"`). */
  region: string;
  /** A custom endpoint (R2, MinIO, Ceph RGW), such as `"http://127.0.0.1:7480"`. */
  endpoint?: string;
  /** Defaults to the SDK's provider chain (environment, profile, instance role). */
  credentials?: S3Credentials;
  /** Path-style URLs (`endpoint/bucket/key`). Defaults to the profile's choice. */
  forcePathStyle?: boolean;
  /**
   * Your own S3Client. It should be created with `requestChecksumCalculation`
   * and `responseChecksumValidation` set to `"WHEN_REQUIRED"`; pass the same
   * `endpoint` and `forcePathStyle` here so signed URLs match it.
   */
  client?: S3Client;
  /** The provider's quirks: a profile name or your own profile. Default: `"r2"` for an R2 endpoint, else `"aws"`. */
  profile?: S3ProfileName | S3Profile;
  /** Bodies up to this size go up as one PutObject (default 16 MiB); larger or longer ones as a multipart upload. */
  multipartThreshold?: number;
  /** The part size when the body's size is unknown (default 8 MiB; at least 5 MiB). */
  partSize?: number;
  /** Parts uploaded at once (default 2: with 8 MiB parts a 256 MiB stream peaks under 150 MiB RSS). */
  queueSize?: number;
  /**
   * On a profile whose CompleteMultipartUpload ignores conditions, a
   * conditional put is buffered and sent as one PutObject; bodies larger than
   * this (default 64 MiB) are refused with `Unsupported`.
   */
  conditionalPutLimit?: number;
}

/** An S3 driver: a `StorageDriver` whose `raw` is the `S3Client`. */
export interface S3Driver extends StorageDriver {
  readonly raw: S3Client;
  readonly profile: S3Profile;
  readonly bucket: string;
}

function unquote(etag: string | undefined): string {
  if (etag === undefined) return "";
  return etag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

function bytesAsStream(bytes: Uint8Array, chunkSize: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

class S3StorageDriver implements S3Driver {
  readonly name = "s3";
  readonly capabilities: Capabilities;
  readonly raw: S3Client;
  readonly profile: S3Profile;
  readonly bucket: string;
  private readonly region: string;
  private readonly endpoint: string | undefined;
  private readonly forcePathStyle: boolean;
  private readonly staticCredentials: S3Credentials | undefined;
  private readonly multipartThreshold: number;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly conditionalPutLimit: number;
  private baseUrl: string | undefined;
  private presigner: SigV4Presigner | undefined;
  private presignerIdentity: unknown;

  constructor(options: S3DriverOptions) {
    if (options === null || typeof options !== "object") throw new TypeError("s3Driver needs options");
    if (typeof options.bucket !== "string" || options.bucket.length === 0) throw new TypeError("s3Driver needs a bucket");
    if (typeof options.region !== "string" || options.region.length === 0) throw new TypeError("s3Driver needs a region");
    this.bucket = options.bucket;
    this.region = options.region;
    this.endpoint = options.endpoint;
    this.profile = resolveProfile(options.profile, options.endpoint);
    this.forcePathStyle = options.forcePathStyle ?? this.profile.forcePathStyle;
    this.staticCredentials = options.credentials;
    this.multipartThreshold = options.multipartThreshold ?? 16 * mebibyte;
    this.partSize = computePartSize(undefined, options.partSize);
    this.queueSize = Math.max(1, options.queueSize ?? 2);
    this.conditionalPutLimit = options.conditionalPutLimit ?? 64 * mebibyte;
    this.raw =
      options.client ??
      new S3Client({
        region: options.region,
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
        ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
        forcePathStyle: this.forcePathStyle,
        // The default (aws-chunked CRC32) breaks streaming on RGW with 411
        // and adds checksum parameters to presigned URLs.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      });
    const profile = this.profile;
    this.capabilities = Object.freeze({
      ...noCapabilities,
      rangeRead: true,
      conditionalGet: true,
      putIfNotExists: profile.putIfNotExists,
      putIfMatch: profile.putIfMatch,
      sha256: true,
      listDelimiter: true,
      signGet: true,
      signPut: true,
      signPutContentType: true,
      signPutSize: true,
      signPutMaxSize: profile.supportsPostPolicy,
      signPutOneTime: false,
      signPutIfNotExists: profile.signedIfNoneMatch,
    });
  }

  // ---- put ------------------------------------------------------------------

  async put(key: string, body: DriverPutBody, options: DriverPutOptions): Promise<ObjectInfo> {
    const params: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: key,
      ContentType: options.contentType,
      Metadata: options.metadata,
    };
    if (options.cacheControl !== undefined) params.CacheControl = options.cacheControl;
    if (options.contentDisposition !== undefined) params.ContentDisposition = options.contentDisposition;
    if (options.contentEncoding !== undefined) params.ContentEncoding = options.contentEncoding;
    const conditional = options.ifNotExists === true || options.ifMatch !== undefined;
    if (options.ifMatch !== undefined && this.profile.ifMatchComparesPrefix && !wellFormedEtag.test(options.ifMatch)) {
      // No stored object has this etag, but the server would compare only a prefix.
      throw new StorageError("PreconditionFailed", `The etag ${options.ifMatch} does not match the object's`);
    }

    if (body instanceof Uint8Array) {
      if (body.byteLength <= this.multipartThreshold || (conditional && !this.profile.conditionalMultipartComplete)) {
        if (conditional && !this.profile.conditionalMultipartComplete && body.byteLength > this.conditionalPutLimit) {
          throw this.conditionalTooLarge();
        }
        return this.putSingle(key, params, body, options);
      }
      body = bytesAsStream(body, this.partSize);
    }

    const reader = new PartReader(body.getReader());
    try {
      const singleLimit =
        conditional && !this.profile.conditionalMultipartComplete ? this.conditionalPutLimit : this.multipartThreshold;
      const ended = await reader.fill(singleLimit);
      if (ended) return await this.putSingle(key, params, reader.take(reader.buffered), options);
      if (conditional && !this.profile.conditionalMultipartComplete) throw this.conditionalTooLarge();
    } catch (error) {
      await reader.cancel(error);
      throw mapS3Error(error);
    }
    return this.putMultipart(key, params, reader, options);
  }

  private conditionalTooLarge(): StorageError {
    return new StorageError(
      "Unsupported",
      `The ${this.profile.name} profile cannot make a multipart upload conditional; conditional puts are limited to ${this.conditionalPutLimit} bytes`,
    );
  }

  private conditionalHeaders(options: DriverPutOptions): { IfNoneMatch?: string; IfMatch?: string } {
    if (options.ifNotExists) return { IfNoneMatch: "*" };
    if (options.ifMatch !== undefined) return { IfMatch: this.profile.ifMatchQuoted ? `"${options.ifMatch}"` : options.ifMatch };
    return {};
  }

  private async putSingle(key: string, params: PutObjectCommandInput, bytes: Uint8Array, options: DriverPutOptions): Promise<ObjectInfo> {
    const input: PutObjectCommandInput = {
      ...params,
      ...this.conditionalHeaders(options),
      Body: bytes,
      ContentLength: bytes.byteLength,
    };
    if (options.sha256 !== undefined && this.profile.supportsChecksumSha256) {
      input.ChecksumSHA256 = toBase64(hexToBytes(options.sha256));
    }
    try {
      const output = await this.raw.send(new PutObjectCommand(input), { abortSignal: options.signal });
      return this.infoAfterPut(key, bytes.byteLength, unquote(output.ETag), options);
    } catch (error) {
      throw mapS3Error(error, { ifNotExists: options.ifNotExists === true });
    }
  }

  private infoAfterPut(key: string, size: number, etag: string, options: DriverPutOptions): ObjectInfo {
    return putObjectInfo(key, { size, etag, lastModified: new Date(Math.floor(Date.now() / 1000) * 1000) }, options);
  }

  private async putMultipart(key: string, params: PutObjectCommandInput, reader: PartReader, options: DriverPutOptions): Promise<ObjectInfo> {
    const partSize = computePartSize(options.size, this.partSize);
    const signal = options.signal;
    let uploadId: string | undefined;
    const parts: CompletedPart[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    let size = 0;
    try {
      const created = await this.raw.send(new CreateMultipartUploadCommand(params), { abortSignal: signal });
      uploadId = created.UploadId;
      if (uploadId === undefined) throw new StorageError("Unknown", "CreateMultipartUpload returned no UploadId");
      let partNumber = 0;
      for (;;) {
        if (failure !== undefined) break;
        const part = await reader.nextPart(partSize);
        if (part === undefined) break;
        partNumber++;
        if (partNumber > maxParts) {
          throw new StorageError("TooLarge", `The body needs more than ${maxParts} parts of ${partSize} bytes; pass size as a hint`);
        }
        size += part.byteLength;
        const number = partNumber;
        const upload: Promise<void> = this.raw
          .send(
            new UploadPartCommand({
              Bucket: this.bucket,
              Key: key,
              UploadId: uploadId,
              PartNumber: number,
              Body: part,
              ContentLength: part.byteLength,
            }),
            { abortSignal: signal },
          )
          .then((output) => {
            parts.push({ PartNumber: number, ETag: output.ETag });
          })
          .catch((error: unknown) => {
            if (failure === undefined) failure = error;
          })
          .finally(() => {
            inFlight.delete(upload);
          });
        inFlight.add(upload);
        while (inFlight.size >= this.queueSize) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      if (failure !== undefined) throw failure;
      if (!reader.finished) throw new StorageError("Unknown", "The body did not end cleanly");
      parts.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
      const completed = await this.raw.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
          ...(this.profile.conditionalMultipartComplete ? this.conditionalHeaders(options) : {}),
        }),
        { abortSignal: signal },
      );
      uploadId = undefined;
      let etag = unquote(completed.ETag);
      if (etag === "" || this.profile.emptyEtagAfterMultipart) {
        const head = await this.head(key);
        if (head !== null) etag = head.etag;
      }
      return this.infoAfterPut(key, size, etag, options);
    } catch (error) {
      await reader.cancel(error);
      await Promise.allSettled(inFlight);
      if (uploadId !== undefined) {
        try {
          await this.raw.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
        } catch {
          // The original error matters more; an unaborted upload expires by lifecycle rules.
        }
      }
      throw mapS3Error(error, { ifNotExists: options.ifNotExists === true });
    }
  }

  // ---- get / head -------------------------------------------------------------

  async get(key: string, options: DriverGetOptions): Promise<DriverGetResult | null> {
    let range: string | undefined;
    if (options.range !== undefined) {
      const r = options.range;
      if ("suffix" in r) range = `bytes=-${r.suffix}`;
      else range = r.length === undefined ? `bytes=${r.offset}-` : `bytes=${r.offset}-${r.offset + r.length - 1}`;
    }
    let output: GetObjectCommandOutput;
    try {
      output = await this.raw.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: range,
          IfMatch: options.ifMatch === undefined ? undefined : `"${options.ifMatch}"`,
          IfNoneMatch: options.ifNoneMatch === undefined ? undefined : `"${options.ifNoneMatch}"`,
        }),
        { abortSignal: options.signal },
      );
    } catch (error) {
      if (isMissing(error)) return null;
      throw mapS3Error(error);
    }
    const info = this.info(key, output);
    let resultRange: { offset: number; length: number } | undefined;
    if (range !== undefined) {
      const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(output.ContentRange ?? "");
      if (match !== null) {
        const start = Number(match[1]);
        resultRange = { offset: start, length: Number(match[2]) - start + 1 };
        if (match[3] !== "*") info.size = Number(match[3]);
      } else {
        resultRange = { offset: 0, length: info.size };
      }
    }
    const signal = options.signal;
    const body = responseBodyStream(output.Body, (error) =>
      signal?.aborted ? new StorageError("Aborted", "The get was aborted", { cause: signal.reason ?? error }) : mapS3Error(error),
    );
    const result: DriverGetResult = { info, body };
    if (resultRange !== undefined) result.range = resultRange;
    return result;
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const output = await this.raw.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return this.info(key, output);
    } catch (error) {
      if (isMissing(error)) return null;
      throw mapS3Error(error);
    }
  }

  private info(key: string, output: HeadObjectCommandOutput | GetObjectCommandOutput): ObjectInfo {
    const info: ObjectInfo = {
      key,
      size: output.ContentLength ?? 0,
      etag: unquote(output.ETag),
      lastModified: output.LastModified ?? new Date(0),
      contentType: output.ContentType ?? "application/octet-stream",
      metadata: { ...(output.Metadata ?? {}) },
    };
    if (output.CacheControl !== undefined) info.cacheControl = output.CacheControl;
    if (output.ContentDisposition !== undefined) info.contentDisposition = output.ContentDisposition;
    if (output.ContentEncoding !== undefined) info.contentEncoding = output.ContentEncoding;
    return info;
  }

  // ---- list / delete ------------------------------------------------------------

  async list(options: DriverListOptions): Promise<ListPage> {
    try {
      const output = await this.raw.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: options.prefix === "" ? undefined : options.prefix,
          Delimiter: options.delimiter,
          MaxKeys: options.limit,
          ContinuationToken: options.cursor,
        }),
      );
      const objects: ObjectInfo[] = (output.Contents ?? []).map((entry) => ({
        key: entry.Key ?? "",
        size: entry.Size ?? 0,
        etag: unquote(entry.ETag),
        lastModified: entry.LastModified ?? new Date(0),
        // ListObjectsV2 returns neither the content type nor metadata.
        contentType: "",
        metadata: {},
      }));
      const prefixes = (output.CommonPrefixes ?? []).map((entry) => entry.Prefix ?? "");
      const page: ListPage = { objects, prefixes };
      if (output.IsTruncated && output.NextContinuationToken) page.cursor = output.NextContinuationToken;
      return page;
    } catch (error) {
      throw mapS3Error(error);
    }
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      if (keys.length === 1) {
        await this.raw.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: keys[0] }));
        return;
      }
      const output = await this.raw.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.map((key) => ({ Key: key })), Quiet: true },
        }),
      );
      const errors = (output.Errors ?? []).filter((entry) => entry.Code !== "NoSuchKey");
      if (errors.length > 0) {
        const first = mapS3Error(Object.assign(new Error(errors[0].Message ?? ""), { name: errors[0].Code ?? "Unknown" }));
        const listed = errors
          .slice(0, 5)
          .map((entry) => `${entry.Key}: ${entry.Code}`)
          .join(", ");
        throw new StorageError(first.code, `${errors.length} of ${keys.length} keys were not deleted (${listed}${errors.length > 5 ? ", ..." : ""})`, {
          cause: errors,
          ...(errors.length === 1 ? { key: errors[0].Key } : {}),
        });
      }
    } catch (error) {
      throw mapS3Error(error);
    }
  }

  // ---- signing --------------------------------------------------------------------

  private async signer(): Promise<SigV4Presigner> {
    if (this.staticCredentials !== undefined) {
      if (this.presigner === undefined) {
        this.presigner = new SigV4Presigner({ ...this.staticCredentials, region: this.region, service: "s3" });
      }
      return this.presigner;
    }
    const provider = this.raw.config.credentials as () => Promise<S3Credentials>;
    const identity = await provider();
    if (this.presigner === undefined || this.presignerIdentity !== identity) {
      this.presigner = new SigV4Presigner({ ...identity, region: this.region, service: "s3" });
      this.presignerIdentity = identity;
    }
    return this.presigner;
  }

  private async bucketUrl(): Promise<string> {
    if (this.baseUrl !== undefined) return this.baseUrl;
    let endpoint = this.endpoint;
    if (endpoint === undefined && typeof this.raw.config.endpoint === "function") {
      const resolved = (await this.raw.config.endpoint()) as { protocol: string; hostname: string; port?: number; path?: string };
      endpoint = `${resolved.protocol}//${resolved.hostname}${resolved.port ? `:${resolved.port}` : ""}${resolved.path ?? ""}`;
    }
    this.baseUrl = bucketBaseUrl({
      bucket: this.bucket,
      region: this.region,
      forcePathStyle: this.forcePathStyle,
      ...(endpoint === undefined ? {} : { endpoint }),
    });
    return this.baseUrl;
  }

  async signPut(key: string, options: DriverSignPutOptions): Promise<SignedRequest> {
    if (options.oneTime) throw new StorageError("Unsupported", "S3 cannot make a presigned URL single-use");
    const [presigner, base] = await Promise.all([this.signer(), this.bucketUrl()]);
    if (options.maxSize !== undefined && options.size === undefined) {
      if (!this.profile.supportsPostPolicy) {
        throw new StorageError("Unsupported", `The ${this.profile.name} profile has no POST policy uploads, so maxSize cannot be enforced`);
      }
      if (options.ifNotExists) throw new StorageError("Unsupported", "A POST policy upload cannot be create-only (ifNotExists)");
      const post = presigner.presignPost({
        url: base,
        bucket: this.bucket,
        key,
        date: options.now,
        expiresIn: options.expiresIn,
        ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
        contentLengthRange: { min: 0, max: options.maxSize },
      });
      return { url: post.url, method: "POST", headers: {}, fields: post.fields, expiresAt: options.expiresAt };
    }
    if (options.ifNotExists && !this.profile.signedIfNoneMatch) {
      throw new StorageError("Unsupported", `The ${this.profile.name} profile does not enforce a signed If-None-Match`);
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

  async signGet(key: string, options: DriverSignGetOptions): Promise<SignedRequest> {
    const [presigner, base] = await Promise.all([this.signer(), this.bucketUrl()]);
    const query: Record<string, string> = { "x-id": "GetObject" };
    if (options.downloadFilename !== undefined) query["response-content-disposition"] = attachmentDisposition(options.downloadFilename);
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
}

function isMissing(error: unknown): boolean {
  const code = s3CodeOf(error);
  return code === "NoSuchKey" || code === "NotFound" || (statusOf(error) === 404 && code !== "NoSuchBucket");
}

/**
 * A Stowage driver for S3 and S3-compatible stores (AWS S3, R2's S3 API,
 * MinIO, Ceph RGW). Each provider's quirks come from its `profile`.
 *
 * ```ts
 * const storage = createStorage(s3Driver({ bucket: "uploads", region: "us-east-1" }));
 * ```
 */
export function s3Driver(options: S3DriverOptions): S3Driver {
  return new S3StorageDriver(options);
}
