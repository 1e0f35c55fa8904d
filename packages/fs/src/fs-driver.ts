import { resolve } from "node:path";
import {
  StorageError,
  noCapabilities,
  toUrlSigner,
  hmacSigningHint,
  hmacSigningHints,
  type Capabilities,
  type CapabilityHints,
  type SignPutConflict,
  type DriverGetOptions,
  type DriverGetResult,
  type DriverListOptions,
  type DriverOperationOptions,
  type DriverDeleteOptions,
  type DriverCopyOptions,
  type DriverMoveOptions,
  type DriverPutBody,
  type DriverPutOptions,
  type DriverSignGetOptions,
  type DriverSignPutOptions,
  type ListPage,
  type ObjectInfo,
  type SignedRequest,
  type StorageDriver,
  type UrlSigner,
  type DriverCompleteUploadOptions,
  type DriverCreateUploadOptions,
  type DriverListUploadsOptions,
  type DriverSignUploadPartOptions,
  type DriverUploadPartOptions,
  type UploadedPart,
  type UploadLimits,
  type UploadListing,
  s3UploadLimits,
} from "@stowage/core";
import { cleanupRoot, type CleanupReport } from "./cleanup-root.js";
import { completeUpload } from "./complete-upload.js";
import { copyObject } from "./copy-object.js";
import { deleteObjects } from "./delete-objects.js";
import type { DriverContext } from "./driver-context.js";
import { resolveFsDriverOptions, type FsDriverOptions } from "./fs-driver-options.js";
import { blockingCalls, threadPoolCalls } from "./fs-calls.js";
import { InfoCache } from "./info-cache.js";
import { listObjects } from "./list-objects.js";
import { mapFsError } from "./map-fs-error.js";
import { moveObject } from "./move-object.js";
import { getObject, headObject } from "./read-object.js";
import { RootDirectory, type Confinement } from "./root-directory.js";
import { resolveLayout } from "./root-layout.js";
import { segmentCodec, type SegmentEncoding } from "./segment-name.js";
import { listUploadParts, uploadPart } from "./upload-part.js";
import { abortUpload, createUpload, listUploads, partSignerOf } from "./upload-sessions.js";
import { openUpload } from "./upload-staging.js";
import { putObject } from "./write-object.js";

const multipartHint =
  "pass `signing: { secrets, baseUrl }` to fsDriver() (a signer that signs upload parts) and serve the part URLs with @stowage/http's createSignedUrlHandler";

/** The fs driver's capabilities without signing. */
export const fsCapabilities: Capabilities = {
  ...noCapabilities,
  rangeRead: true,
  conditionalGet: true,
  putIfNotExists: true,
  putIfMatch: true,
  sha256: true,
  listDelimiter: true,
  listStartAfter: true,
  deleteIfMatch: true,
  expiry: true,
  copy: true,
  serverSideCopy: true,
  copyIfMatch: true,
  copyIfNotExists: true,
};

/** The fs driver's native state, exposed as `driver.raw`. */
export interface FsStore {
  /** The absolute root directory. */
  readonly root: string;
  readonly durable: boolean;
  /** How segments are named on disk (known once `ready` settled). */
  readonly encoding: SegmentEncoding;
  /**
   * How operations are kept inside the root (known once `ready` settled):
   * `"descriptor"` holds against directories swapped for links at any
   * moment; `"path"` refuses planted links but not a concurrent swap. See
   * the README.
   */
  readonly confinement: Confinement | undefined;
}

/**
 * Stores each object as one file (a header with its metadata, then the
 * body) under `root`, one directory per key segment. Puts are atomic
 * (temporary file plus rename), conditional puts hold across processes,
 * bodies stream in both directions, and listing walks the tree in key
 * order, reading only the directories a page needs. Every file call names
 * its file inside a directory held open from the root down, never through
 * a link. See the README for the layout on disk.
 */
export class FsDriver implements StorageDriver {
  readonly name = "fs";
  readonly capabilities: Capabilities;
  /** The signer's refused combinations (none for `{ secrets, baseUrl }`). */
  readonly signPutConflicts: readonly SignPutConflict[];
  /** How to switch on the signing capabilities that are off. */
  readonly capabilityHints: CapabilityHints;
  /** The absolute root directory. */
  readonly root: string;
  readonly durable: boolean;
  /** Settles when the root exists and is open. Every operation waits for it. */
  readonly ready: Promise<void>;
  /** The start-up cleanup (resolved at once when `cleanupOnStart` is false). */
  readonly startupCleanup: Promise<CleanupReport | undefined>;
  /**
   * S3's part rules (5 MiB to 5 GiB, at most 10,000): fs has no minimum of
   * its own, but a session planned against fs then works unchanged on S3
   * and R2, and an app tested on fs meets the rules it will meet there.
   */
  readonly uploadLimits: UploadLimits = s3UploadLimits;
  private readonly signer: UrlSigner | undefined;
  private context: DriverContext | undefined;
  private encoding: SegmentEncoding = "bytes";
  /** Operations in flight: `close` waits for them before it closes the root. */
  private running = 0;
  private idle: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: FsDriverOptions) {
    const resolved = resolveFsDriverOptions(options);
    this.root = resolve(resolved.root);
    this.durable = resolved.durable;
    this.signer = resolved.signing === undefined ? undefined : toUrlSigner(resolved.signing);
    const parts = partSignerOf(this.signer) !== undefined;
    this.capabilities = Object.freeze({
      ...fsCapabilities,
      ...(this.signer ? { signGet: true, signPut: true, ...this.signer.capabilities } : {}),
      multipartUpload: parts,
      signUploadPart: parts,
      uploadIfNotExists: parts,
    });
    this.signPutConflicts = Object.freeze([...(this.signer?.signPutConflicts ?? [])]);
    this.capabilityHints = Object.freeze({
      ...hmacSigningHints("fsDriver()", this.capabilities, this.signer !== undefined),
      ...(parts ? {} : { multipartUpload: multipartHint, uploadIfNotExists: multipartHint, signUploadPart: multipartHint }),
    });
    this.ready = this.initialize(resolved);
    this.ready.catch(() => {});
    this.startupCleanup = resolved.cleanupOnStart
      ? this.ready.then(
          () => this.cleanup(),
          () => undefined,
        ).catch(() => undefined)
      : Promise.resolve(undefined);
  }

  get raw(): FsStore {
    return { root: this.root, durable: this.durable, encoding: this.encoding, confinement: this.context?.root.confinement };
  }

  private async initialize(options: ReturnType<typeof resolveFsDriverOptions>): Promise<void> {
    let root: RootDirectory | undefined;
    try {
      root = await RootDirectory.open(this.root, options.directoryMode);
      this.encoding = await resolveLayout(root, options.encoding, options.fileMode, options.durable);
      this.context = {
        root,
        codec: segmentCodec(this.encoding),
        meta: options.blocking ? blockingCalls : threadPoolCalls,
        io: threadPoolCalls,
        blocking: options.blocking,
        durable: options.durable,
        fileMode: options.fileMode,
        directoryMode: options.directoryMode,
        infoCache: new InfoCache(),
      };
    } catch (error) {
      await root?.close();
      throw mapFsError(error, `opening the root ${this.root}`);
    }
  }

  /** Runs an operation once the root is open, counted so that `close` can wait for it. */
  private async run<T>(operation: (context: DriverContext) => Promise<T>): Promise<T> {
    await this.ready;
    if (this.closing !== undefined) throw new StorageError("InvalidArgument", `fs: the driver of ${this.root} was closed`);
    this.running++;
    try {
      return await operation(this.context!);
    } finally {
      if (--this.running === 0) this.idle?.();
    }
  }

  put(key: string, body: DriverPutBody, options: DriverPutOptions): Promise<ObjectInfo> {
    return this.run((context) => putObject(context, key, body, options));
  }

  get(key: string, options: DriverGetOptions): Promise<DriverGetResult | null> {
    return this.run((context) => getObject(context, key, options));
  }

  head(key: string, options: DriverOperationOptions = {}): Promise<ObjectInfo | null> {
    return this.run((context) => headObject(context, key, options));
  }

  list(options: DriverListOptions): Promise<ListPage> {
    return this.run((context) => listObjects(context, options));
  }

  delete(keys: string[], options: DriverDeleteOptions = {}): Promise<void> {
    return this.run((context) => deleteObjects(context, keys, options));
  }

  /**
   * Copies without reading the body into this process: a kernel clone of
   * the source file (a reflink where the file system has one) with its
   * header rewritten in place, published like a put. See the README.
   */
  copy(from: string, to: string, options: DriverCopyOptions = {}): Promise<ObjectInfo> {
    return this.run((context) => copyObject(context, from, to, options));
  }

  /** Moves under both keys' locks: the target is published, then the source removed if unchanged. See the README. */
  move(from: string, to: string, options: DriverMoveOptions = {}): Promise<ObjectInfo> {
    return this.run((context) => moveObject(context, from, to, options));
  }

  signPut(key: string, options: DriverSignPutOptions): Promise<SignedRequest> {
    if (!this.signer) throw new StorageError("Unsupported", `This fs driver has no signing configured: ${hmacSigningHint("fsDriver()")}`);
    return this.signer.signPut(key, options);
  }

  signGet(key: string, options: DriverSignGetOptions): Promise<SignedRequest> {
    if (!this.signer) throw new StorageError("Unsupported", `This fs driver has no signing configured: ${hmacSigningHint("fsDriver()")}`);
    return this.signer.signGet(key, options);
  }

  /** Starts an upload (staged under the root's `%uploads`); its fields are fixed now. See the README. */
  createUpload(key: string, options: DriverCreateUploadOptions): Promise<{ uploadId: string }> {
    return this.run((context) => createUpload(context, key, options));
  }

  async signUploadPart(key: string, uploadId: string, partNumber: number, options: DriverSignUploadPartOptions): Promise<SignedRequest> {
    const signer = partSignerOf(this.signer);
    if (signer === undefined) throw new StorageError("Unsupported", `This fs driver cannot sign upload parts: ${multipartHint}`);
    await this.run(async (context) => (await openUpload(context, key, uploadId)).chain.close());
    return signer.signUploadPart(key, uploadId, partNumber, options);
  }

  /** Stages a part (for `@stowage/http`): written to a temporary file, renamed into place only when whole. */
  uploadPart(key: string, uploadId: string, partNumber: number, body: DriverPutBody, options: DriverUploadPartOptions = {}): Promise<{ etag: string; size: number }> {
    return this.run((context) => uploadPart(context, key, uploadId, partNumber, body, options));
  }

  listUploadParts(key: string, uploadId: string, _options: DriverOperationOptions = {}): Promise<UploadedPart[]> {
    return this.run((context) => listUploadParts(context, key, uploadId));
  }

  /** Streams the parts into a put of the key (published in one step), under the upload's lock. */
  completeUpload(key: string, uploadId: string, parts: { partNumber: number; etag: string }[], options: DriverCompleteUploadOptions = {}): Promise<ObjectInfo> {
    return this.run((context) => completeUpload(context, key, uploadId, parts, options));
  }

  abortUpload(key: string, uploadId: string, _options: DriverOperationOptions = {}): Promise<void> {
    return this.run((context) => abortUpload(context, key, uploadId));
  }

  listUploads(options: DriverListUploadsOptions): Promise<UploadListing[]> {
    return this.run((context) => listUploads(context, options.prefix));
  }

  /**
   * Removes what crashed writers left behind: temporary files whose process
   * is gone (or that are older than a day), abandoned locks, and empty
   * directories. Files of live writers, in this process or another, are
   * kept. Runs at start-up unless `cleanupOnStart` is false.
   */
  cleanup(): Promise<CleanupReport> {
    return this.run((context) => cleanupRoot(context));
  }

  /**
   * Waits for the operations in flight (a body stream already returned by
   * `get` reads on by itself), then closes the root's descriptor. Later
   * operations fail with `InvalidArgument`. A driver dropped without
   * `close` releases its descriptor when it is garbage-collected.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.ready.catch(() => {});
      if (this.running > 0) await new Promise<void>((resolve) => (this.idle = resolve));
      await this.context?.root.close();
    })();
    return this.closing;
  }
}

/** Creates the filesystem driver. */
export function fsDriver(options: FsDriverOptions): FsDriver {
  return new FsDriver(options);
}
