import { s3UploadLimits, type UploadLimits } from "@stowage/core";

/**
 * What one S3 implementation does, as data. The driver reads these facts
 * instead of branching on the provider's name.
 */
export interface S3Profile {
  readonly name: string;
  /** PUT `If-Match` needs the etag in quotes (AWS); Ceph RGW 16 matches only an unquoted etag. */
  readonly ifMatchQuoted: boolean;
  /**
   * PUT `If-Match` compares only a prefix (RGW 16 accepts `<etag>-stale` and
   * `<etag>x`), so the driver refuses an `ifMatch` that is not a well-formed
   * S3 etag (32 hex digits, optionally `-<parts>`) before sending it.
   */
  readonly ifMatchComparesPrefix: boolean;
  /** PUT `If-None-Match: *` is atomic create-only. */
  readonly putIfNotExists: boolean;
  /** PUT `If-Match: <etag>` is an atomic compare-and-swap. */
  readonly putIfMatch: boolean;
  /** CompleteMultipartUpload honours `If-None-Match` / `If-Match` (RGW 16 ignores them). */
  readonly conditionalMultipartComplete: boolean;
  /** The server verifies `x-amz-checksum-sha256` on PutObject (RGW 16 ignores it). */
  readonly supportsChecksumSha256: boolean;
  /** Browser POST uploads with a SigV4 policy (`content-length-range`) work. */
  readonly supportsPostPolicy: boolean;
  /** A presigned PUT with a signed `If-None-Match: *` is refused when the key exists. */
  readonly signedIfNoneMatch: boolean;
  /** CompleteMultipartUpload answers with an empty ETag; a HEAD gives the real one. */
  readonly emptyEtagAfterMultipart: boolean;
  /**
   * GET `If-Match` / `If-None-Match` compare only a prefix (RGW 16: a
   * condition that starts with the etag, such as `<etag>x`, matches). The
   * driver then sends `If-None-Match` only for a well-formed etag, confirms
   * a 304 for an etag with a part count by a HEAD, and compares the returned
   * etag itself (which it does on every profile).
   */
  readonly getConditionsComparePrefix: boolean;
  /**
   * DeleteObjects (multi-key delete) needs `Content-MD5` and refuses the
   * SDK's CRC32 checksum headers (Swift): the driver sends the MD5 instead.
   */
  readonly deleteObjectsNeedsContentMd5: boolean;
  /**
   * The longest user-metadata value the server stores, in bytes (Swift's
   * `max_meta_value_length`, 256 by default; a longer one is a 500 there).
   * The driver refuses a longer value with `InvalidArgument` before sending
   * anything. `undefined`: no limit beyond core's 2 KiB for all metadata.
   */
  readonly maxMetadataValueBytes: number | undefined;
  /**
   * DeleteObject honours `If-Match` (quoted as `ifMatchQuoted` says): a stale
   * etag is a 412 and the object stays. Ceph RGW 16 ignores the header and
   * deletes. Gives the `deleteIfMatch` capability.
   */
  readonly deleteIfMatch: boolean;
  /**
   * A DeleteObject with `If-Match` of a key that does not exist answers 204
   * (Swift) instead of 404 or 412, so the driver reads the object first and
   * refuses a missing one with `PreconditionFailed` itself.
   */
  readonly deleteIfMatchMissingSucceeds: boolean;
  /**
   * CopyObject and UploadPartCopy honour `x-amz-copy-source-if-match` (a
   * stale etag is a 412 and nothing is copied). Ceph RGW 16 ignores it.
   * Gives the `copyIfMatch` capability, and pins each part of a multipart
   * copy to the source version it started from.
   */
  readonly copySourceIfMatch: boolean;
  /**
   * CopyObject honours `If-None-Match: *` on the target (412 when it
   * exists). Ceph RGW 16 ignores it and overwrites; Swift answers 501.
   * With `conditionalMultipartComplete`, gives the `copyIfNotExists` capability.
   */
  readonly copyIfNoneMatch: boolean;
  /**
   * `x-amz-copy-source-if-match` and DeleteObject `If-Match` never match an
   * etag with a part count (`<md5>-N`, an object uploaded in parts): Swift
   * compares them with its own manifest etag (GET `If-Match` does match).
   * The driver then pins only single-part sources, and the `copyIfMatch`
   * and `deleteIfMatch` capabilities are off (they could not hold for every
   * object).
   */
  readonly ifMatchMissesMultipartEtag: boolean;
  /**
   * ListObjectsV2 with `StartAfter` and a delimiter also lists the common
   * prefix that contains `StartAfter` (Swift lists `a/` for `a/1`), which
   * sorts before it; the driver drops common prefixes at or before
   * `startAfter`.
   */
  readonly startAfterListsEnclosingPrefix: boolean;
  /** PutBucketCors / GetBucketCors work (`configureCors`); Swift's s3api answers 501. */
  readonly bucketCors: boolean;
  /**
   * The server's multipart rules for upload sessions (`Storage.uploads`):
   * part sizes and the highest part number. Swift's s3api allows 1,000
   * parts (`max_upload_part_num`); R2 wants every part but the last equal.
   */
  readonly uploadLimits: UploadLimits;
  /** Addressing used when `forcePathStyle` is not given. */
  readonly forcePathStyle: boolean;
}

/** The profiles Stowage ships. */
export type S3ProfileName = "aws" | "r2" | "minio" | "ceph-rgw" | "swift";

/**
 * Facts per provider. "verified" marks what the test suite checks against a
 * real server (Ceph RGW 16.2 and OpenStack Swift 2.30's s3api in CI); the
 * other values follow the provider's documentation, and are off where not
 * verified.
 */
export const s3Profiles: Readonly<Record<S3ProfileName, S3Profile>> = Object.freeze({
  aws: Object.freeze({
    name: "aws",
    ifMatchQuoted: true,
    ifMatchComparesPrefix: false,
    putIfNotExists: true,
    putIfMatch: true,
    conditionalMultipartComplete: true,
    supportsChecksumSha256: true,
    supportsPostPolicy: true,
    signedIfNoneMatch: true,
    emptyEtagAfterMultipart: false,
    getConditionsComparePrefix: false,
    deleteObjectsNeedsContentMd5: false,
    maxMetadataValueBytes: undefined,
    // Conditional DeleteObject (If-Match) since 2025-09-16; CopyObject If-None-Match / If-Match on the target.
    deleteIfMatch: true,
    deleteIfMatchMissingSucceeds: false,
    copySourceIfMatch: true,
    copyIfNoneMatch: true,
    ifMatchMissesMultipartEtag: false,
    startAfterListsEnclosingPrefix: false,
    bucketCors: true,
    uploadLimits: s3UploadLimits,
    forcePathStyle: false,
  }),
  r2: Object.freeze({
    name: "r2",
    ifMatchQuoted: true,
    ifMatchComparesPrefix: false,
    putIfNotExists: true,
    putIfMatch: true,
    conditionalMultipartComplete: false,
    supportsChecksumSha256: true,
    // R2 has no POST Object.
    supportsPostPolicy: false,
    signedIfNoneMatch: false,
    emptyEtagAfterMultipart: false,
    getConditionsComparePrefix: false,
    deleteObjectsNeedsContentMd5: false,
    maxMetadataValueBytes: undefined,
    // R2 documents x-amz-copy-source-if-match; conditional DeleteObject and a
    // create-only CopyObject are not documented, so they are off.
    deleteIfMatch: false,
    deleteIfMatchMissingSucceeds: false,
    copySourceIfMatch: true,
    copyIfNoneMatch: false,
    ifMatchMissesMultipartEtag: false,
    startAfterListsEnclosingPrefix: false,
    bucketCors: true,
    uploadLimits: Object.freeze({ ...s3UploadLimits, equalParts: true }),
    forcePathStyle: false,
  }),
  minio: Object.freeze({
    name: "minio",
    ifMatchQuoted: true,
    ifMatchComparesPrefix: false,
    putIfNotExists: true,
    putIfMatch: true,
    conditionalMultipartComplete: false,
    supportsChecksumSha256: true,
    supportsPostPolicy: true,
    signedIfNoneMatch: false,
    emptyEtagAfterMultipart: false,
    getConditionsComparePrefix: false,
    deleteObjectsNeedsContentMd5: false,
    maxMetadataValueBytes: undefined,
    // MinIO honours x-amz-copy-source-if-match; the rest is not documented, so off.
    deleteIfMatch: false,
    deleteIfMatchMissingSucceeds: false,
    copySourceIfMatch: true,
    copyIfNoneMatch: false,
    ifMatchMissesMultipartEtag: false,
    startAfterListsEnclosingPrefix: false,
    bucketCors: true,
    uploadLimits: s3UploadLimits,
    forcePathStyle: true,
  }),
  "ceph-rgw": Object.freeze({
    name: "ceph-rgw",
    ifMatchQuoted: false, // verified
    ifMatchComparesPrefix: true, // verified
    putIfNotExists: true, // verified
    putIfMatch: true, // verified
    conditionalMultipartComplete: false, // verified: ignored by RGW 16
    supportsChecksumSha256: false, // verified: a wrong digest is accepted by RGW 16
    supportsPostPolicy: true, // verified
    signedIfNoneMatch: true, // verified
    emptyEtagAfterMultipart: true, // verified
    getConditionsComparePrefix: true, // verified: GET If-Match "<etag>x" matches, If-None-Match "<etag>x" gives 304
    deleteObjectsNeedsContentMd5: false, // verified: CRC32 accepted
    maxMetadataValueBytes: undefined, // verified: 2 KiB values are stored
    deleteIfMatch: false, // verified: DeleteObject If-Match with a stale etag deletes anyway
    deleteIfMatchMissingSucceeds: true, // verified: 204 (no effect: conditional deletes are off)
    copySourceIfMatch: false, // verified: a stale x-amz-copy-source-if-match copies anyway (CopyObject and UploadPartCopy)
    copyIfNoneMatch: false, // verified: CopyObject If-None-Match: * onto an existing key overwrites it
    ifMatchMissesMultipartEtag: false, // no effect: RGW 16 ignores both conditions (verified in profile facts)
    startAfterListsEnclosingPrefix: false, // verified: StartAfter "a/1" does not list "a/"
    bucketCors: true, // verified (configure-cors.test.ts)
    uploadLimits: s3UploadLimits, // verified: part numbers up to 10,000, 5 MiB minimum (rgw_multipart_min_part_size)
    forcePathStyle: true,
  }),
  // OpenStack Swift 2.30 with its s3api middleware (Debian bookworm), stock
  // constraints. See packages/s3/README.md ("OpenStack Swift").
  swift: Object.freeze({
    name: "swift",
    ifMatchQuoted: true, // no effect: conditional PUTs are not supported
    ifMatchComparesPrefix: false,
    putIfNotExists: false, // verified: PUT If-None-Match: * is 501 "Conditional object PUTs are not supported"
    putIfMatch: false, // verified: PUT If-Match is 501 as well
    // verified: If-None-Match: * on CompleteMultipartUpload is honoured one at a time (`stowage probe` sees a 412 onto an
    // existing key) but not atomically: of two sessions racing for one fresh key both complete (the conformance race case
    // fails with this on), so create-only uploads stay off.
    conditionalMultipartComplete: false,
    supportsChecksumSha256: false, // verified: a wrong x-amz-checksum-sha256 is accepted (core verifies the digest)
    supportsPostPolicy: false, // verified: POST Object is refused (no browser form uploads)
    signedIfNoneMatch: false, // verified: no conditional PUT at all
    emptyEtagAfterMultipart: false, // verified: CompleteMultipartUpload returns the "<md5>-N" etag
    getConditionsComparePrefix: false, // verified: GET If-Match / If-None-Match compare the whole etag
    deleteObjectsNeedsContentMd5: true, // verified: 400 "Missing required header for this request: Content-MD5"
    maxMetadataValueBytes: 256, // verified: 257 bytes is a 500 InternalError (max_meta_value_length)
    deleteIfMatch: true, // verified: a stale If-Match is 412 and the object stays; the matching etag deletes
    deleteIfMatchMissingSucceeds: true, // verified: DeleteObject If-Match of a missing key is 204
    copySourceIfMatch: true, // verified: a stale x-amz-copy-source-if-match is 412 (CopyObject and UploadPartCopy)
    copyIfNoneMatch: false, // verified: CopyObject If-None-Match: * is 501 NotImplemented
    ifMatchMissesMultipartEtag: true, // verified: copy-source If-Match and DeleteObject If-Match with the "<md5>-N" etag are 412
    startAfterListsEnclosingPrefix: true, // verified: StartAfter "a/1" with a delimiter lists "a/"
    bucketCors: false, // verified: PutBucketCors is 501 NotImplemented
    uploadLimits: Object.freeze({ ...s3UploadLimits, maxParts: 1000 }), // verified: part 1001 is 400 InvalidArgument (max_upload_part_num)
    forcePathStyle: true,
  }),
});

/** The profile for a name or a custom profile object. */
export function resolveProfile(profile: S3ProfileName | S3Profile | undefined, endpoint: string | undefined): S3Profile {
  if (profile !== undefined && typeof profile === "object") return profile;
  if (profile !== undefined) {
    const found = s3Profiles[profile];
    if (found === undefined) throw new TypeError(`Unknown S3 profile "${String(profile)}"`);
    return found;
  }
  if (endpoint !== undefined && /\.r2\.cloudflarestorage\.com(?::\d+)?\/?$/i.test(endpoint)) return s3Profiles.r2;
  return s3Profiles.aws;
}
