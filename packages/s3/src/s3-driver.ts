import type { S3Client } from "@aws-sdk/client-s3";
import {
  noCapabilities,
  type Capabilities,
  type CapabilityHints,
  type SignPutConflict,
  type DriverCopyOptions,
  type DriverDeleteOptions,
  type DriverGetOptions,
  type DriverGetResult,
  type DriverListOptions,
  type DriverOperationOptions,
  type DriverPutBody,
  type DriverPutOptions,
  type DriverSignGetOptions,
  type DriverSignPutOptions,
  type ListPage,
  type ObjectInfo,
  type SignedRequest,
  type StorageDriver,
} from "@stowage/core";
import { copyObject } from "./copy-object.js";
import { createS3Client } from "./create-s3-client.js";
import { deleteObjects } from "./delete-objects.js";
import { getObject, headObject } from "./get-object.js";
import { listObjects } from "./list-objects.js";
import { computePartSize } from "./part-size.js";
import { putObject } from "./put-object.js";
import type { S3Writer } from "./s3-writer.js";
import { checkS3DriverOptions, maxSingleCopyBytes, type S3DriverOptions } from "./s3-driver-options.js";
import { chooseS3Profile, genericS3Profile } from "./s3-profile-detection.js";
import type { S3Profile } from "./s3-profiles.js";
import { S3UrlSigner } from "./s3-url-signer.js";
import {
  UploadRegistry,
  type S3AbortUploadsOptions,
  type S3AbortUploadsResult,
  type S3CleanupOptions,
  type S3FailedAbort,
} from "./upload-registry.js";

const mebibyte = 1024 * 1024;

/** An S3 driver: a `StorageDriver` whose `raw` is the `S3Client`, plus multipart-upload housekeeping. */
export interface S3Driver extends StorageDriver {
  readonly raw: S3Client;
  readonly profile: S3Profile;
  readonly bucket: string;
  /**
   * This driver's multipart uploads whose AbortMultipartUpload failed or
   * timed out (a frozen or unreachable server), until a `cleanup` or
   * `abortUploads` aborts them. Kept in memory only.
   */
  readonly failedAborts: readonly S3FailedAbort[];
  /** Retries the abort of every upload in `failedAborts`. Lists nothing, so it never touches other writers' uploads. */
  cleanup(options?: S3CleanupOptions): Promise<S3AbortUploadsResult>;
  /**
   * Finds open multipart uploads by ListMultipartUploads (under `prefix`,
   * created at least `olderThan` ms ago) and aborts them, except this
   * driver's uploads still in flight. It also finds uploads a crashed
   * process left behind.
   */
  abortUploads(options?: S3AbortUploadsOptions): Promise<S3AbortUploadsResult>;
}

class S3StorageDriver implements S3Driver {
  readonly name = "s3";
  readonly capabilities: Capabilities;
  readonly signPutConflicts: readonly SignPutConflict[];
  readonly capabilityHints: CapabilityHints;
  readonly raw: S3Client;
  readonly profile: S3Profile;
  readonly bucket: string;
  private readonly writer: S3Writer;
  private readonly uploads: UploadRegistry;
  private readonly signer: S3UrlSigner;

  constructor(options: S3DriverOptions) {
    const timeouts = checkS3DriverOptions(options);
    this.bucket = options.bucket;
    this.profile = chooseS3Profile(options.profile, options.endpoint);
    const forcePathStyle = options.forcePathStyle ?? this.profile.forcePathStyle;
    this.raw =
      options.client ??
      createS3Client({
        region: options.region,
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
        ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
        forcePathStyle,
        timeouts,
      });
    const context = { client: this.raw, bucket: this.bucket, profile: this.profile };
    this.uploads = new UploadRegistry(context, timeouts.cleanup);
    this.writer = {
      ...context,
      uploads: this.uploads,
      multipartThreshold: options.multipartThreshold ?? 16 * mebibyte,
      partSize: computePartSize(undefined, options.partSize),
      queueSize: Math.max(1, options.queueSize ?? 2),
      conditionalPutLimit: options.conditionalPutLimit ?? 64 * mebibyte,
      multipartCopyThreshold: options.multipartCopyThreshold ?? maxSingleCopyBytes,
    };
    this.signer = new S3UrlSigner({
      ...context,
      region: options.region,
      forcePathStyle,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.signingEndpoint === undefined ? {} : { signingEndpoint: options.signingEndpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
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
      listStartAfter: true,
      copy: true,
      serverSideCopy: true,
      copyIfMatch: profile.copySourceIfMatch && !profile.ifMatchMissesMultipartEtag,
      copyIfNotExists: profile.copyIfNoneMatch && profile.conditionalMultipartComplete,
      deleteIfMatch: profile.deleteIfMatch && !profile.ifMatchMissesMultipartEtag,
    });
    this.signPutConflicts = s3SignPutConflicts(this.capabilities);
    this.capabilityHints = s3CapabilityHints(profile);
  }

  put(key: string, body: DriverPutBody, options: DriverPutOptions): Promise<ObjectInfo> {
    return putObject(this.writer, key, body, options);
  }

  get(key: string, options: DriverGetOptions): Promise<DriverGetResult | null> {
    return getObject(this.writer, key, options);
  }

  head(key: string, options: DriverOperationOptions = {}): Promise<ObjectInfo | null> {
    return headObject(this.writer, key, options);
  }

  list(options: DriverListOptions): Promise<ListPage> {
    return listObjects(this.writer, options);
  }

  delete(keys: string[], options: DriverDeleteOptions = {}): Promise<void> {
    return deleteObjects(this.writer, keys, options);
  }

  copy(from: string, to: string, options: DriverCopyOptions = {}): Promise<ObjectInfo> {
    return copyObject(this.writer, from, to, options);
  }

  signPut(key: string, options: DriverSignPutOptions): Promise<SignedRequest> {
    return this.signer.signPut(key, options);
  }

  signGet(key: string, options: DriverSignGetOptions): Promise<SignedRequest> {
    return this.signer.signGet(key, options);
  }

  get failedAborts(): readonly S3FailedAbort[] {
    return this.uploads.failedAborts;
  }

  cleanup(options?: S3CleanupOptions): Promise<S3AbortUploadsResult> {
    return this.uploads.cleanup(options);
  }

  abortUploads(options?: S3AbortUploadsOptions): Promise<S3AbortUploadsResult> {
    return this.uploads.abortUploads(options);
  }
}

/**
 * What S3 signing refuses although each constraint alone is claimed: a
 * `maxSize` without an exact `size` is signed as a POST policy form
 * (`content-length-range`), and a POST upload cannot carry
 * `If-None-Match`, so it cannot be create-only. With `size` the upload is a
 * presigned PUT (the exact Content-Length is signed), which can.
 */
function s3SignPutConflicts(capabilities: Capabilities): readonly SignPutConflict[] {
  const conflicts: SignPutConflict[] = [];
  if (capabilities.signPutMaxSize && capabilities.signPutIfNotExists) {
    conflicts.push({
      constraints: ["maxSize", "ifNotExists"],
      unless: ["size"],
      reason:
        "maxSize is enforced by a POST policy form, which cannot be create-only; " +
        "sign the file's exact size (at or under your limit) with ifNotExists instead",
    });
  }
  return Object.freeze(conflicts.map((conflict) => Object.freeze(conflict)));
}

/** Why a copy or delete condition is off on this profile, and how to do without it. */
function s3ConditionHints(profile: S3Profile): CapabilityHints {
  const server = profile === genericS3Profile ? "the generic S3 profile (an unrecognised server)" : `the ${profile.name} profile`;
  const ignored = profile === genericS3Profile ? "servers differ (Ceph RGW 16 ignores it)" : `${profile.name === "ceph-rgw" ? "Ceph RGW 16" : "its server"} ignores or refuses it`;
  const hints: Record<string, string> = {};
  const missesMultipart =
    `${profile.name === "swift" ? "Swift's s3api" : "its server"} compares If-Match with its own manifest etag, so it never matches an object uploaded in parts (<md5>-N; profile.ifMatchMissesMultipartEtag)`;
  if (!profile.deleteIfMatch || profile.ifMatchMissesMultipartEtag) {
    const why = profile.deleteIfMatch ? missesMultipart : `${server} has no conditional DeleteObject (If-Match; ${ignored})`;
    hints.deleteIfMatch = `${why}, so a move could lose a concurrent overwrite of the source (or never succeed); copy and delete yourself if that is acceptable`;
  }
  if (!profile.copySourceIfMatch || profile.ifMatchMissesMultipartEtag) {
    const why = profile.copySourceIfMatch ? missesMultipart : `${server} has no conditional copy source (x-amz-copy-source-if-match; ${ignored})`;
    hints.copyIfMatch = `${why}; check the source's etag with head before copying if a race is acceptable`;
  }
  if (!profile.copyIfNoneMatch || !profile.conditionalMultipartComplete) {
    hints.copyIfNotExists = !profile.copyIfNoneMatch
      ? `${server} has no create-only CopyObject (If-None-Match: *; ${profile.name === "swift" ? "Swift answers 501" : ignored}); ` +
        "check with exists() before copying if a race is acceptable"
      : `${server} cannot make a multipart copy's CompleteMultipartUpload create-only (profile.conditionalMultipartComplete is off)`;
  }
  return hints;
}

/** How to do without the S3 capabilities that are off. */
function s3CapabilityHints(profile: S3Profile): CapabilityHints {
  const conditional =
    profile === genericS3Profile
      ? "the generic S3 profile (a custom endpoint with no profile, or a server that was not recognised) claims no conditional puts, " +
        'because servers differ (Ceph RGW compares If-Match differently, Swift answers 501): name your server\'s profile (s3Driver({ profile: "ceph-rgw" }), ' +
        "or &profile=… in an s3:// URL; see s3Profiles), or let detectS3Profile / openStorage recognise it"
      : `the ${profile.name} profile does not support conditional puts on this server`;
  return Object.freeze({
    ...s3ConditionHints(profile),
    ...(profile.putIfNotExists ? {} : { putIfNotExists: conditional }),
    ...(profile.putIfMatch ? {} : { putIfMatch: conditional }),
    signPutOneTime:
      "S3 presigned URLs work until they expire; sign ifNotExists (create-only) where the profile enforces it, so a replay cannot overwrite",
    ...(profile.supportsPostPolicy
      ? {}
      : { signPutMaxSize: `the ${profile.name} profile has no POST policy uploads; sign the file's exact size (at or under your limit) instead` }),
    ...(profile.signedIfNoneMatch
      ? {}
      : { signPutIfNotExists: `the ${profile.name} profile does not enforce a signed If-None-Match (profile.signedIfNoneMatch is off)` }),
  });
}

/**
 * A Stowage driver for S3 and S3-compatible stores (AWS S3, R2's S3 API,
 * MinIO, Ceph RGW). Each provider's quirks come from its `profile`; with a
 * custom endpoint and no profile, the conservative `generic` profile (no
 * conditional puts) unless you name one or use `detectS3Profile`.
 * Misspelt or unknown options are refused with `InvalidArgument`.
 *
 * ```ts
 * const storage = createStorage(s3Driver({ bucket: "uploads", region: "us-east-1" }));
 * ```
 */
export function s3Driver(options: S3DriverOptions): S3Driver {
  return new S3StorageDriver(options);
}
