import type { DriverCopyOptions, DriverObjectFields, ObjectInfo } from "@stowage/core";
import { StorageError } from "@stowage/core";
import { encodeKeyPath } from "@stowage/sigv4";
import type { S3Context } from "./s3-context.js";

/**
 * The `x-amz-copy-source` value for a key: `bucket/key` with each path
 * segment percent-encoded (RFC 3986), so spaces, `+`, `%`, `?`, `#` and
 * non-ASCII characters name the right source. The SDK sends it as given.
 */
export function copySourceHeader(bucket: string, key: string): string {
  return `${bucket}/${encodeKeyPath(key)}`;
}

/**
 * Whether a copy of a source with this etag can be pinned to it with
 * `x-amz-copy-source-if-match` (never for a multipart etag on Swift).
 */
export function canPinSource(context: S3Context, etag: string): boolean {
  const profile = context.profile;
  return profile.copySourceIfMatch && !(profile.ifMatchMissesMultipartEtag && etag.includes("-"));
}

/** An etag as the profile sends it in `If-Match` style headers. */
export function etagCondition(context: S3Context, etag: string): string {
  return context.profile.ifMatchQuoted ? `"${etag}"` : etag;
}

/** The fields the target gets: the replacement, or the source's own. */
export function targetFields(source: ObjectInfo, options: DriverCopyOptions): DriverObjectFields {
  if (options.replace !== undefined) return options.replace;
  const fields: DriverObjectFields = { contentType: source.contentType, metadata: { ...source.metadata } };
  if (source.cacheControl !== undefined) fields.cacheControl = source.cacheControl;
  if (source.contentDisposition !== undefined) fields.contentDisposition = source.contentDisposition;
  if (source.contentEncoding !== undefined) fields.contentEncoding = source.contentEncoding;
  return fields;
}

/** The header fields of a write (CopyObject with REPLACE, CreateMultipartUpload) that stores `fields`. */
export function fieldParams(fields: DriverObjectFields): {
  ContentType: string;
  Metadata: Record<string, string>;
  CacheControl?: string;
  ContentDisposition?: string;
  ContentEncoding?: string;
} {
  return {
    ContentType: fields.contentType,
    Metadata: fields.metadata,
    ...(fields.cacheControl === undefined ? {} : { CacheControl: fields.cacheControl }),
    ...(fields.contentDisposition === undefined ? {} : { ContentDisposition: fields.contentDisposition }),
    ...(fields.contentEncoding === undefined ? {} : { ContentEncoding: fields.contentEncoding }),
  };
}

/**
 * Thrown inside a copy when the source no longer has the etag the copy was
 * pinned to (a pinned part or CopyObject got 412, or the re-read after the
 * parts differs). `copyObject` starts over from a fresh read, unless the
 * caller gave `ifMatch`.
 */
export class SourceChanged extends Error {
  constructor(
    readonly key: string,
    readonly etag: string,
    readonly cause?: unknown,
  ) {
    super(`${key} changed while it was being copied (it no longer has etag ${etag})`);
  }

  toPreconditionFailed(): StorageError {
    return new StorageError(
      "PreconditionFailed",
      `${this.key} does not have etag ${this.etag} (it was changed or deleted since you read it), so nothing was copied; read it again and retry with its new etag`,
      { key: this.key, ...(this.cause === undefined ? {} : { cause: this.cause }) },
    );
  }
}
