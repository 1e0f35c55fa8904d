/**
 * Anything `Storage.put` accepts as a body. A string is stored as UTF-8. An
 * `AsyncIterable<Uint8Array>` (a Node `Readable`, an async generator) is
 * read as a stream, chunk by chunk, never buffered whole.
 */
export type PutBody = ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer | Blob | string | AsyncIterable<Uint8Array>;

export interface PutOptions {
  /**
   * Defaults to a `Blob` or `File` body's own non-empty `type` (as `fetch`
   * does), else `application/octet-stream`.
   */
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  /**
   * Keys: lowercase ASCII letters, digits and `-`. Values: printable ASCII
   * without leading or trailing spaces (S3 servers trim them, so they are
   * refused everywhere). At most 2 KiB in all.
   */
  metadata?: Record<string, string>;
  /** Create-only: fail with `AlreadyExists` when the key exists. */
  ifNotExists?: boolean;
  /** Compare-and-swap: fail with `PreconditionFailed` unless the current etag equals this. */
  ifMatch?: string;
  /** The exact body length in bytes. A body of another length fails with `InvalidArgument`. */
  size?: number;
  /** The hex SHA-256 of the body. A body with another digest fails with `ChecksumMismatch`. */
  sha256?: string;
  /**
   * The instant the object expires (capability `expiry`): from then on it
   * reads as absent (`get` and `head` give `null`, `list` skips it, signed
   * GETs give 404) and `sweepExpired` deletes it. Must lie after the
   * storage clock's now. Not with `ttlSeconds`.
   */
  expiresAt?: Date;
  /** Expire the object this many whole seconds after the put (capability `expiry`); never rounded. Not with `expiresAt`. */
  ttlSeconds?: number;
  /** Aborting fails the put with `Aborted` and leaves the previous object intact. */
  signal?: AbortSignal;
}

export interface ObjectInfo {
  key: string;
  size: number;
  /** Identifies the content; unquoted; changes whenever the content changes. */
  etag: string;
  lastModified: Date;
  contentType: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  metadata: Record<string, string>;
  /** When the object expires (it was put with `expiresAt` or `ttlSeconds`); absent when it never does. */
  expiresAt?: Date;
}

export interface StoredObject extends ObjectInfo {
  body: ReadableStream<Uint8Array>;
  bytes(): Promise<Uint8Array>;
  text(): Promise<string>;
  json<T = unknown>(): Promise<T>;
  /** Present when a range was requested: the bytes actually returned. */
  range?: { offset: number; length: number };
}

export type ByteRange = { offset: number; length?: number } | { suffix: number };

export interface GetOptions {
  range?: ByteRange;
  /** Fail with `PreconditionFailed` unless the current etag equals this. */
  ifMatch?: string;
  /** Fail with `NotModified` when the current etag equals this. */
  ifNoneMatch?: string;
  signal?: AbortSignal;
}

export interface ListOptions {
  prefix?: string;
  delimiter?: string;
  cursor?: string;
  /** 1..1000, default 1000. Objects and common prefixes both count. */
  limit?: number;
  /**
   * List only entries that sort strictly after this (UTF-8 order): keys
   * after it, and common prefixes after it (so `a/` is not listed again
   * after `a/1`, nor after `a/` itself). Combines with `prefix`,
   * `delimiter` and `limit`; ignored when `cursor` is given, since a cursor
   * already resumes past it.
   */
  startAfter?: string;
  /** Aborting rejects the list with `Aborted` promptly. */
  signal?: AbortSignal;
}

export interface HeadOptions {
  /** Aborting rejects the head with `Aborted` promptly. */
  signal?: AbortSignal;
}

export interface DeleteOptions {
  /**
   * Aborting rejects the delete with `Aborted` promptly. Keys the driver
   * already deleted stay deleted; deleting again is safe.
   */
  signal?: AbortSignal;
  /**
   * Delete only if the current etag equals this (one key only); otherwise,
   * or when the key is missing, fail with `PreconditionFailed`.
   */
  ifMatch?: string;
}

/** The stored fields besides the body. */
export interface ObjectFields {
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  /** Replaces the whole metadata map (it is not merged key by key). */
  metadata?: Record<string, string>;
}

export interface CopyOptions extends ObjectFields {
  /** Fail with `PreconditionFailed` unless the source's etag equals this. */
  ifMatch?: string;
  /** Fail with `AlreadyExists` when the target exists; it stays unchanged. */
  ifNotExists?: boolean;
  /** Aborting fails the copy with `Aborted` and leaves the previous target intact. */
  signal?: AbortSignal;
}

export interface MoveOptions {
  /** Fail with `PreconditionFailed` unless the source's etag equals this. */
  ifMatch?: string;
  /** Fail with `AlreadyExists` when the target exists; it stays unchanged. */
  ifNotExists?: boolean;
  signal?: AbortSignal;
}

export interface UpdateMetadataOptions {
  /** Fail with `PreconditionFailed` unless the object's etag equals this. */
  ifMatch?: string;
  signal?: AbortSignal;
}

export interface DeletePrefixOptions {
  /** Required, as `true`, to delete everything (an empty prefix). */
  all?: boolean;
  /** Aborting stops between batches with `Aborted`; calling again continues. */
  signal?: AbortSignal;
  /** Called after each batch with the running count. */
  onProgress?: (progress: { deleted: number }) => void;
}

export interface SweepExpiredOptions {
  /** Only keys under this prefix (default: every key). */
  prefix?: string;
  /** Aborting stops the sweep with `Aborted`; calling again continues. */
  signal?: AbortSignal;
  /** Called after each listed page with the running counts. */
  onProgress?: (progress: SweepExpiredResult) => void;
}

export interface SweepExpiredResult {
  /** Objects examined. */
  scanned: number;
  /** Expired objects this call deleted. */
  deleted: number;
}

export interface DeletePrefixResult {
  /** Keys deleted by this call. */
  deleted: number;
}

export interface ExistsOptions {
  signal?: AbortSignal;
}

export interface ListPage {
  objects: ObjectInfo[];
  prefixes: string[];
  /** Absent on the last page. */
  cursor?: string;
}

export interface SignPutOptions {
  /** Seconds; default 300, at most 604800 (7 days). */
  expiresIn?: number;
  /** The upload must send exactly this Content-Type. */
  contentType?: string;
  /** The upload must be exactly this many bytes. */
  size?: number;
  /** The upload must be at most this many bytes. */
  maxSize?: number;
  /** The URL can be used once. */
  oneTime?: boolean;
  /** The upload fails with 409 when the key exists. */
  ifNotExists?: boolean;
}

/**
 * What `Storage.checkSignPut` answers: whether `signPut` would mint a URL
 * for these options, and if not, the code and message `signPut` would
 * reject with.
 */
export type SignPutCheck = { ok: true } | { ok: false; code: "Unsupported" | "InvalidArgument"; reason: string };

export interface SignGetOptions {
  /** Seconds; default 300, at most 604800 (7 days). */
  expiresIn?: number;
  /** Served as an attachment with this file name (RFC 6266 / RFC 5987). */
  downloadFilename?: string;
  /** Served with this Content-Type instead of the stored one. */
  responseContentType?: string;
  /**
   * Serve with `Content-Disposition: inline` even when the type is active
   * (HTML, SVG, XML, script, anything not known to be passive; see
   * `isActiveContentType`). Without it such objects are served as
   * attachments. The handler's sandboxing Content-Security-Policy still
   * applies. Cannot be combined with `downloadFilename`.
   */
  inline?: boolean;
}

export interface SignedRequest {
  url: string;
  method: "PUT" | "GET" | "POST";
  /** Exactly the headers the client must send. */
  headers: Record<string, string>;
  /** For `method: "POST"`: the form fields to send before the file field. */
  fields?: Record<string, string>;
  expiresAt: Date;
}

export interface StorageOptions {
  /** Milliseconds since the epoch; injected for tests. Defaults to `Date.now`. */
  clock?: () => number;
  /** Default `expiresIn` for signed URLs, in seconds. Default 300. */
  defaultExpiresIn?: number;
  /**
   * The absolute `http(s)` URL objects are publicly served under (a public
   * bucket, a CDN): `publicUrl(key)` appends the key to it, each segment
   * percent-encoded. Without it, `publicUrl` fails with `Unsupported`.
   */
  publicBaseUrl?: string;
}
