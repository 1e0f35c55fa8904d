/**
 * A multipart upload in progress, as `Storage.uploads.create` returns it.
 * JSON-serializable: a server keeps it (in a database, a cookie it signed)
 * and passes it back to sign parts, list them, complete or abort. It is
 * the server's record: never take one from an unauthenticated client.
 */
export interface UploadSession {
  key: string;
  uploadId: string;
  /** Every part but the last has exactly this many bytes. */
  partSize: number;
  /** How many parts, when `size` is known. */
  partCount?: number;
  /** The exact total, when it was given. */
  size?: number;
  /** The largest total allowed, when it was given. */
  maxSize?: number;
  /** Completion fails with `AlreadyExists` when the key exists then. */
  ifNotExists?: boolean;
  contentType: string;
  /** ISO 8601: part URLs are never signed past this instant. */
  expiresAt: string;
}

export interface CreateUploadOptions {
  /** Fixed at creation; defaults to `application/octet-stream`. */
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  metadata?: Record<string, string>;
  /** The exact total: every part URL is signed with its exact length, and completion checks the total. */
  size?: number;
  /** The largest total: completion fails with `TooLarge` (and aborts) above it. */
  maxSize?: number;
  /** Completion fails with `AlreadyExists` when the key exists; of racing sessions exactly one wins. */
  ifNotExists?: boolean;
  /** Bytes per part (every part but the last); planned from the size and the backend's limits when absent. */
  partSize?: number;
  /** Seconds the session's part URLs may be signed for; default 86400 (1 day), at most 604800 (7 days). */
  expiresIn?: number;
  signal?: AbortSignal;
}

export interface SignUploadPartsOptions {
  /** Seconds; default 3600, never past the session's `expiresAt`. */
  expiresIn?: number;
}

/** A part the backend holds. */
export interface UploadedPart {
  partNumber: number;
  size: number;
  /** Unquoted. */
  etag: string;
}

/** An upload in progress, as the backend lists it. */
export interface UploadListing {
  key: string;
  uploadId: string;
  initiated: Date;
}

export interface ListUploadsOptions {
  prefix?: string;
  signal?: AbortSignal;
}

export interface AbortUploadsOptions {
  /** Abort only uploads initiated before this instant. */
  olderThan: Date;
  prefix?: string;
  signal?: AbortSignal;
}
