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
  /** Addressing used when `forcePathStyle` is not given. */
  readonly forcePathStyle: boolean;
}

/** The profiles Stowage ships. */
export type S3ProfileName = "aws" | "r2" | "minio" | "ceph-rgw";

/**
 * Facts per provider. "verified" marks what the test suite checks against a
 * real server (Ceph RGW 16.2 in CI); the other values follow the provider's
 * documentation, and are off where not verified.
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
