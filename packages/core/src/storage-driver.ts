import type { Capabilities, CapabilityHints, SignPutConflict } from "./capabilities.js";
import type { ListPage, ObjectInfo, SignedRequest } from "./storage-types.js";
import type { UploadedPart, UploadListing } from "./upload-types.js";
import type { UploadLimits } from "./upload-plan.js";

/**
 * A body as a driver receives it. `Storage` has already checked a
 * `Uint8Array` against `size` and `sha256`. A stream is checked while it is
 * read: it errors (with a `StorageError`) instead of ending when the body is
 * too long, too short, has the wrong digest, or the put was aborted.
 */
export type DriverPutBody = Uint8Array | ReadableStream<Uint8Array>;

export interface DriverPutOptions {
  contentType: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  metadata: Record<string, string>;
  ifNotExists?: boolean;
  /** Unquoted. */
  ifMatch?: string;
  /** Exact length, when known (from the caller, or from a Uint8Array or Blob). */
  size?: number;
  /** Lowercase hex; already verified by `Storage` for a Uint8Array. */
  sha256?: string;
  signal?: AbortSignal;
}

export type DriverRange = { offset: number; length?: number } | { suffix: number };

export interface DriverGetOptions {
  range?: DriverRange;
  /** Unquoted. */
  ifMatch?: string;
  /** Unquoted. */
  ifNoneMatch?: string;
  signal?: AbortSignal;
}

export interface DriverGetResult {
  info: ObjectInfo;
  /** A Uint8Array must be a copy the caller may own and change. */
  body: ReadableStream<Uint8Array> | Uint8Array;
  /** Required when a range was requested: the bytes actually returned. */
  range?: { offset: number; length: number };
}

/** Options every driver operation without others of its own receives. */
export interface DriverOperationOptions {
  /**
   * When it aborts, the driver SHOULD stop its I/O and reject with `Aborted`.
   * `Storage` already rejects promptly for reads and deletes; a put MUST
   * still leave the previous object intact.
   */
  signal?: AbortSignal;
}

export interface DriverListOptions {
  signal?: AbortSignal;
  prefix: string;
  delimiter?: string;
  cursor?: string;
  /**
   * List only entries (keys and common prefixes) that sort strictly after
   * this, by UTF-8 bytes. Never passed together with `cursor`. Only when
   * `capabilities.listStartAfter` is on.
   */
  startAfter?: string;
  /** 1..1000. */
  limit: number;
}

export interface DriverDeleteOptions extends DriverOperationOptions {
  /**
   * Unquoted. Passed only with exactly one key, and only when
   * `capabilities.deleteIfMatch` is on.
   */
  ifMatch?: string;
}

/** The stored fields besides the body: what `copy` keeps or replaces. */
export interface DriverObjectFields {
  contentType: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  metadata: Record<string, string>;
}

export interface DriverCopyOptions extends DriverOperationOptions {
  /** Unquoted; the source's etag. Only when `capabilities.copyIfMatch` is on. */
  ifMatch?: string;
  /** Only when `capabilities.copyIfNotExists` is on. */
  ifNotExists?: boolean;
  /**
   * When present, the target gets exactly these fields (a field absent here
   * is absent on the target); when absent, the target keeps the source's.
   * `Storage` always passes it when `from` equals `to`.
   */
  replace?: DriverObjectFields;
}

export interface DriverMoveOptions extends DriverOperationOptions {
  /** Unquoted; the source's etag. Only when `capabilities.copyIfMatch` is on. */
  ifMatch?: string;
  /** Only when `capabilities.copyIfNotExists` is on. */
  ifNotExists?: boolean;
}

export interface DriverCreateUploadOptions extends DriverObjectFields {
  signal?: AbortSignal;
}

export interface DriverSignUploadPartOptions {
  expiresIn: number;
  now: Date;
  expiresAt: Date;
  /** The part's exact length, when the upload's size is known: the URL MUST accept no other. */
  size?: number;
}

export interface DriverUploadPartOptions {
  /** The part's exact length, when the URL was signed with it or the request declared it (`@stowage/http` holds the body to it). */
  size?: number;
  signal?: AbortSignal;
}

export interface DriverCompleteUploadOptions extends DriverOperationOptions {
  /** Only when `capabilities.uploadIfNotExists` is on. */
  ifNotExists?: boolean;
}

export interface DriverListUploadsOptions extends DriverOperationOptions {
  prefix: string;
}

export interface DriverSignPutOptions {
  expiresIn: number;
  /** The instant the signature is made (from the Storage clock). */
  now: Date;
  expiresAt: Date;
  contentType?: string;
  size?: number;
  maxSize?: number;
  oneTime?: boolean;
  ifNotExists?: boolean;
}

export interface DriverSignGetOptions {
  expiresIn: number;
  now: Date;
  expiresAt: Date;
  downloadFilename?: string;
  responseContentType?: string;
  /** The signer opted in to inline serving; absent means attachment for active types. */
  inline?: boolean;
}

/**
 * The contract every driver implements. `Storage` validates keys and options,
 * fills defaults and checks capabilities before a driver method runs, so a
 * driver only does I/O and maps its native errors to `StorageError` codes.
 *
 * The conformance suite (`@stowage/conformance`) checks every MUST below.
 */
export interface StorageDriver {
  /** A short name for error messages, such as `"memory"` or `"s3"`. */
  readonly name: string;
  /** What this driver supports. MUST NOT change after construction. */
  readonly capabilities: Capabilities;
  /** The native client, for what Stowage does not cover. */
  readonly raw?: unknown;
  /**
   * The combinations of signPut constraints this driver refuses although
   * its capabilities claim each constraint alone (S3: `maxSize` with
   * `ifNotExists`, because a `maxSize` upload is a POST policy form).
   * `Storage.checkSignPut` and `signPut` refuse them with `Unsupported`
   * before the driver runs. MUST NOT change after construction.
   *
   * `signPut` MUST NOT refuse at call time a combination that its
   * capabilities and these conflicts allow: every refusal an application
   * can meet is discoverable before the call. (The conformance suite signs
   * every allowed combination.)
   */
  readonly signPutConflicts?: readonly SignPutConflict[];
  /**
   * For a capability that is off, how to switch it on (for example, for
   * `signPut` on memory: pass `signing: { secrets, baseUrl }`). `Storage`
   * adds it to the `Unsupported` message. Optional; data only.
   */
  readonly capabilityHints?: CapabilityHints;
  /** The backend's multipart rules, when `capabilities.multipartUpload` is on (default: S3's). */
  readonly uploadLimits?: UploadLimits;
  /**
   * The most user-metadata bytes (keys plus UTF-8 values) this driver
   * stores, when fewer than the portable 2048: a layer that keeps its own
   * record in the backend's metadata (`withEncryption`) declares what is
   * left. `Storage` refuses more with `InvalidArgument` before the driver
   * runs. Data only.
   */
  readonly maxMetadataBytes?: number;
  /**
   * Why an unsigned public URL would not serve what `get` returns (through
   * `withEncryption`, the stored bytes are ciphertext). When set,
   * `createStorage` refuses a `publicBaseUrl` with `Unsupported` and this
   * reason. Data only.
   */
  readonly publicUrlRefusal?: string;

  /**
   * Stores `body` under `key`, replacing data and metadata together.
   *
   * - MUST make the new object visible only after the whole body was read
   *   without error: when the body stream errors, or `signal` aborts, the
   *   previous object (or its absence) MUST stay as it was, with no partial
   *   object visible. It MUST reject with the stream's error (a
   *   `StorageError` from `Storage`'s checks passes through unchanged).
   * - With `ifNotExists`, MUST reject with `AlreadyExists` when the key
   *   exists, atomically: of concurrent create-only puts exactly one wins.
   * - With `ifMatch`, MUST reject with `PreconditionFailed` unless the
   *   current etag equals it (a missing object also fails), atomically.
   * - MUST store `contentType`, the content-* fields and `metadata`, and
   *   return the new `ObjectInfo` with its size and etag. A content type
   *   the backend fills in itself (an upload through a signed URL sent
   *   without one) MUST read back as `application/octet-stream`, never a
   *   backend's own default such as S3's `binary/octet-stream`.
   * - MUST change the etag whenever the content changes.
   */
  put(key: string, body: DriverPutBody, options: DriverPutOptions): Promise<ObjectInfo>;

  /**
   * Reads an object. MUST return `null` when the key does not exist.
   *
   * - With `range`, MUST return only those bytes and set `range`. A length
   *   past the end MUST be clamped; an offset at or past the size (including
   *   any range of an empty object) MUST reject with `RangeNotSatisfiable`. A
   *   suffix longer than the object returns the whole object.
   * - With `ifNoneMatch` equal to the current etag, MUST reject with
   *   `NotModified`; with `ifMatch` unequal, MUST reject with `PreconditionFailed`.
   *   Etags compare whole: a condition that only starts with the etag
   *   (`<etag>x`) does not match.
   * - The returned bytes MUST be the caller's own: changing them never
   *   changes what is stored.
   */
  get(key: string, options: DriverGetOptions): Promise<DriverGetResult | null>;

  /** MUST return `null` when the key does not exist, else the same info as `get`. */
  head(key: string, options: DriverOperationOptions): Promise<ObjectInfo | null>;

  /**
   * Lists keys starting with `prefix`, ascending by UTF-8 bytes.
   *
   * - MUST return at most `limit` entries (objects and common prefixes
   *   together) and a `cursor` exactly when more entries follow.
   * - MUST list every legal key as it was stored, including characters a
   *   wire format cannot carry raw (U+FFFF is not allowed in XML 1.0).
   * - With `delimiter`, MUST roll keys that contain the delimiter after the
   *   prefix into one common prefix (up to and including the delimiter),
   *   listed in `prefixes` in sort order with the objects.
   * - A cursor MUST resume after the last entry returned: a key that existed
   *   throughout is never repeated or skipped, even when other keys were
   *   inserted or deleted between pages.
   * - With `startAfter`, MUST return only entries that sort strictly after
   *   it: a key `k` is listed when `k > startAfter`, and a common prefix `p`
   *   when `p > startAfter`. So a common prefix that contains `startAfter`
   *   (`a/` for `a/1`) is not listed, and the last entry of a page, key or
   *   common prefix, resumes like a cursor.
   */
  list(options: DriverListOptions): Promise<ListPage>;

  /**
   * Deletes up to 1000 keys. MUST succeed for keys that do not exist.
   *
   * - With `ifMatch` (one key), MUST delete only when the current etag
   *   equals it, atomically, and otherwise reject with `PreconditionFailed`
   *   and leave the object as it is. A missing object also fails.
   */
  delete(keys: string[], options: DriverDeleteOptions): Promise<void>;

  /**
   * Copies `from` to `to`, which may be the same key (then `replace` is
   * set: the way metadata is rewritten). Called only when
   * `capabilities.copy` is on.
   *
   * - MUST reject with `NotFound` when `from` does not exist.
   * - MUST make the target visible only whole: a failed or aborted copy
   *   leaves the previous target (or its absence) as it was.
   * - With `ifMatch`, MUST reject with `PreconditionFailed` unless the
   *   source's etag equals it, atomically with the copy.
   * - With `ifNotExists`, MUST reject with `AlreadyExists` when `to`
   *   exists, atomically, and leave it unchanged.
   * - MUST give the target the source's bytes, and its content type,
   *   content-* fields and metadata unless `replace` is given.
   * - MUST NOT let a later change to either object change the other.
   * - Returns the target's `ObjectInfo`.
   */
  copy?(from: string, to: string, options: DriverCopyOptions): Promise<ObjectInfo>;

  /**
   * Moves `from` to `to` in one atomic step (a rename), for backends that
   * have one. Optional: without it, `Storage.move` copies, then deletes the
   * source with `ifMatch` at the etag it copied. The same MUSTs as `copy`
   * hold, and the source MUST be gone exactly when the target appeared.
   */
  move?(from: string, to: string, options: DriverMoveOptions): Promise<ObjectInfo>;

  /**
   * Mints a URL an unauthenticated client can PUT (or POST) to. Called only
   * when `capabilities.signPut` is on. MUST enforce every constraint it is
   * given (`Storage` only passes those the capabilities claim, in no
   * combination `signPutConflicts` lists); the URL MUST stop working at
   * `expiresAt` and MUST NOT work for another method or key. MUST NOT
   * refuse a combination of constraints its capabilities and
   * `signPutConflicts` allow.
   */
  signPut?(key: string, options: DriverSignPutOptions): Promise<SignedRequest>;

  /**
   * Starts a multipart upload of `key` with these fields; returns its id.
   * Called only when `capabilities.multipartUpload` is on. Nothing MUST be
   * visible at `key` (or in listings) until `completeUpload`.
   */
  createUpload?(key: string, options: DriverCreateUploadOptions): Promise<{ uploadId: string }>;

  /**
   * Mints a URL an unauthenticated client can PUT part `partNumber` to.
   * MUST stop working at `expiresAt`, MUST NOT work for another part,
   * upload or key, and with `size` MUST refuse a body of another length.
   */
  signUploadPart?(key: string, uploadId: string, partNumber: number, options: DriverSignUploadPartOptions): Promise<SignedRequest>;

  /**
   * Stores part `partNumber` of an upload sent to a URL this driver's
   * signer minted (memory, fs, an R2 gateway; `@stowage/http`'s handler
   * calls it), replacing an earlier upload of that part; returns the part's
   * unquoted etag and size. Drivers whose part URLs the backend serves
   * itself (S3) leave it out.
   *
   * - Parts MUST be staged invisibly: never listed, never readable through
   *   `get` or `head`, until `completeUpload` makes the object visible.
   * - A body that errors, or a `signal` that aborts, MUST leave no partial
   *   part (an earlier upload of the same part stays as it was), and MUST
   *   reject with the stream's error.
   * - With `size`, MUST reject a body of another length and store nothing.
   * - An unknown upload (never created, completed or aborted) MUST reject
   *   with `NotFound`.
   */
  uploadPart?(
    key: string,
    uploadId: string,
    partNumber: number,
    body: DriverPutBody,
    options: DriverUploadPartOptions,
  ): Promise<{ etag: string; size: number }>;

  /** The parts uploaded so far, ascending. An unknown upload MUST reject with `NotFound`. */
  listUploadParts?(key: string, uploadId: string, options: DriverOperationOptions): Promise<UploadedPart[]>;

  /**
   * Makes the object from these parts visible in one atomic step (readers
   * see the old object or nothing until then). With `ifNotExists`, MUST
   * reject with `AlreadyExists` when the key exists, atomically. An unknown
   * upload MUST reject with `NotFound`.
   */
  completeUpload?(
    key: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
    options: DriverCompleteUploadOptions,
  ): Promise<ObjectInfo>;

  /** Discards the upload and its parts. MUST succeed for an upload that is already gone. */
  abortUpload?(key: string, uploadId: string, options: DriverOperationOptions): Promise<void>;

  /** Uploads in progress under `prefix`. */
  listUploads?(options: DriverListUploadsOptions): Promise<UploadListing[]>;

  /** Mints a URL an unauthenticated client can GET. Called only when `capabilities.signGet` is on. */
  signGet?(key: string, options: DriverSignGetOptions): Promise<SignedRequest>;
}

/**
 * Signs URLs for a driver that has no native presigning (memory, fs). The
 * URLs are served by a handler that enforces every signed constraint.
 */
export interface UrlSigner {
  signPut(key: string, options: DriverSignPutOptions): Promise<SignedRequest>;
  signGet(key: string, options: DriverSignGetOptions): Promise<SignedRequest>;
  /** The signing capabilities this signer enforces (signGet, signPut, signPutMaxSize, ...). */
  readonly capabilities: Partial<Capabilities>;
  /** Combinations it refuses although it claims each constraint (see `StorageDriver.signPutConflicts`); a driver passes them on. */
  readonly signPutConflicts?: readonly SignPutConflict[];
}
