import type { S3Client } from "@aws-sdk/client-s3";
import {
  noCapabilities,
  type Capabilities,
  type CapabilityHints,
  type SignPutConflict,
  type DriverCompleteUploadOptions,
  type DriverCopyOptions,
  type DriverCreateUploadOptions,
  type DriverDeleteOptions,
  type DriverGetOptions,
  type DriverGetResult,
  type DriverListOptions,
  type DriverListUploadsOptions,
  type DriverOperationOptions,
  type DriverPutBody,
  type DriverPutOptions,
  type DriverSignGetOptions,
  type DriverSignPutOptions,
  type DriverSignUploadPartOptions,
  type ListPage,
  type ObjectInfo,
  type SignedRequest,
  type StorageDriver,
  type UploadedPart,
  type UploadLimits,
  type UploadListing,
} from "@stowage/core";
import { copyObject } from "./copy-object.js";
import { createS3Client } from "./create-s3-client.js";
import { deleteObjects } from "./delete-objects.js";
import { getObject, headObject } from "./get-object.js";
import { listObjects } from "./list-objects.js";
import { listObjectsWithMetadata } from "./list-with-metadata.js";
import { computePartSize } from "./part-size.js";
import { putObject } from "./put-object.js";
import type { S3Writer } from "./s3-writer.js";
import { checkS3DriverOptions, maxSingleCopyBytes, type S3DriverOptions } from "./s3-driver-options.js";
import { s3CapabilityHints, s3SignPutConflicts } from "./s3-capability-hints.js";
import { chooseS3Profile } from "./s3-profile-detection.js";
import type { S3Profile } from "./s3-profiles.js";
import { S3UrlSigner } from "./s3-url-signer.js";
import { signUploadPart } from "./sign-upload-part.js";
import { abortUpload, completeUpload, createUpload, listUploadParts, listUploads } from "./upload-sessions.js";
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
  readonly uploadLimits: UploadLimits;
  readonly raw: S3Client;
  readonly profile: S3Profile;
  readonly bucket: string;
  private readonly writer: S3Writer;
  private readonly uploads: UploadRegistry;
  private readonly signer: S3UrlSigner;
  private readonly listMetadata: boolean;

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
    this.listMetadata = options.expiry === true;
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
      multipartUpload: true,
      signUploadPart: true,
      uploadIfNotExists: profile.conditionalMultipartComplete,
      // Expiry needs each listed object's metadata: list HEADs every object.
      expiry: this.listMetadata,
      // Native presigned GETs: the server does not know about expiry (core HEADs before signing).
      signGetExpiry: false,
    });
    this.uploadLimits = profile.uploadLimits;
    this.signPutConflicts = s3SignPutConflicts(this.capabilities);
    this.capabilityHints = s3CapabilityHints(profile, this.listMetadata);
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
    return this.listMetadata ? listObjectsWithMetadata(this.writer, options) : listObjects(this.writer, options);
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

  createUpload(key: string, options: DriverCreateUploadOptions): Promise<{ uploadId: string }> {
    return createUpload(this.writer, key, options);
  }

  signUploadPart(key: string, uploadId: string, partNumber: number, options: DriverSignUploadPartOptions): Promise<SignedRequest> {
    return signUploadPart(this.signer, key, uploadId, partNumber, options);
  }

  listUploadParts(key: string, uploadId: string, options: DriverOperationOptions = {}): Promise<UploadedPart[]> {
    return listUploadParts(this.writer, key, uploadId, options);
  }

  completeUpload(key: string, uploadId: string, parts: { partNumber: number; etag: string }[], options: DriverCompleteUploadOptions = {}): Promise<ObjectInfo> {
    return completeUpload(this.writer, key, uploadId, parts, options);
  }

  abortUpload(key: string, uploadId: string, options: DriverOperationOptions = {}): Promise<void> {
    return abortUpload(this.writer, key, uploadId, options);
  }

  listUploads(options: DriverListUploadsOptions): Promise<UploadListing[]> {
    return listUploads(this.writer, options);
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
