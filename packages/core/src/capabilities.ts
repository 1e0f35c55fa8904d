/**
 * What a driver can do, as data. `Storage` reads these flags and refuses an
 * option the driver cannot honour with `Unsupported` before the driver runs.
 * The conformance suite runs each case only on drivers that claim the
 * capabilities the case needs.
 */
export interface Capabilities {
  /** `get` honours `range` (offset/length and suffix). */
  rangeRead: boolean;
  /** `get` honours `ifMatch` and `ifNoneMatch`. */
  conditionalGet: boolean;
  /** `put` honours `ifNotExists` atomically (exactly one racing writer wins). */
  putIfNotExists: boolean;
  /** `put` honours `ifMatch` as an atomic compare-and-swap. */
  putIfMatch: boolean;
  /** `put` accepts `sha256`; the object is never committed when the digest differs. */
  sha256: boolean;
  /** `list` honours `delimiter` and returns common prefixes. */
  listDelimiter: boolean;
  /** `signGet` mints URLs that an unauthenticated client can GET. */
  signGet: boolean;
  /** `signPut` mints URLs that an unauthenticated client can upload to. */
  signPut: boolean;
  /** A signed upload enforces the signed `contentType`. */
  signPutContentType: boolean;
  /** A signed upload enforces an exact `size`. */
  signPutSize: boolean;
  /** A signed upload enforces `maxSize`. */
  signPutMaxSize: boolean;
  /** A signed upload can be used once only. */
  signPutOneTime: boolean;
  /** A signed upload can be create-only (`ifNotExists`). */
  signPutIfNotExists: boolean;
  /** `list` honours `startAfter`. */
  listStartAfter: boolean;
  /** `copy` works, keeping or replacing the content type, content-* fields and metadata. */
  copy: boolean;
  /**
   * `copy` moves no body bytes through this process (the backend copies).
   * Off where the driver streams the body from `get` into `put` (the R2
   * binding has no copy).
   */
  serverSideCopy: boolean;
  /** `copy` honours `ifMatch` (the source's etag) atomically. */
  copyIfMatch: boolean;
  /** `copy` honours `ifNotExists` (the target) atomically. */
  copyIfNotExists: boolean;
  /**
   * `delete` of one key honours `ifMatch` atomically. `Storage.move`
   * needs it: the source is deleted only at the etag that was copied, so a
   * concurrent overwrite of the source is never lost.
   */
  deleteIfMatch: boolean;
  /**
   * Multipart upload sessions: create, list parts, complete, abort, list
   * uploads (`Storage.uploads`). Parts follow `StorageDriver.uploadLimits`.
   */
  multipartUpload: boolean;
  /** Part URLs an unauthenticated client can PUT a part to (`uploads.signParts`), with the exact length signed when known. */
  signUploadPart: boolean;
  /** Completing an upload honours `ifNotExists` atomically: of racing sessions for one key exactly one wins. */
  uploadIfNotExists: boolean;
  /**
   * Object expiry: `put` honours `expiresAt` / `ttlSeconds`. Core keeps the
   * instant in a reserved metadata field, so the driver MUST return each
   * object's metadata from `get`, `head` and `list`. An expired object
   * reads as absent; `Storage.sweepExpired` deletes it (with
   * `deleteIfMatch`).
   */
  expiry: boolean;
  /**
   * Signed GET URLs are served through a `Storage` (the `@stowage/http`
   * handler), so an expired object gives 404 on them. Where `expiry` is on
   * and this is off (a backend's own presigned URLs), `signGet` reads the
   * object first, refuses an expired one with `NotFound`, and ends the
   * URL's life no later than the object's.
   */
  signGetExpiry: boolean;
}

/** Every capability off: spread it and switch on what a driver supports. */
export const noCapabilities: Readonly<Capabilities> = Object.freeze({
  rangeRead: false,
  conditionalGet: false,
  putIfNotExists: false,
  putIfMatch: false,
  sha256: false,
  listDelimiter: false,
  signGet: false,
  signPut: false,
  signPutContentType: false,
  signPutSize: false,
  signPutMaxSize: false,
  signPutOneTime: false,
  signPutIfNotExists: false,
  listStartAfter: false,
  copy: false,
  serverSideCopy: false,
  copyIfMatch: false,
  copyIfNotExists: false,
  deleteIfMatch: false,
  multipartUpload: false,
  signUploadPart: false,
  uploadIfNotExists: false,
  expiry: false,
  signGetExpiry: false,
});

export type CapabilityName = keyof Capabilities;

/** The constraints a signed upload can carry (the `signPut` options besides `expiresIn`). */
export type SignPutConstraint = "contentType" | "size" | "maxSize" | "oneTime" | "ifNotExists";

/** Every signPut constraint, with the capability that enables it. */
export const signPutConstraintCapabilities: Readonly<Record<SignPutConstraint, CapabilityName>> = Object.freeze({
  contentType: "signPutContentType",
  size: "signPutSize",
  maxSize: "signPutMaxSize",
  oneTime: "signPutOneTime",
  ifNotExists: "signPutIfNotExists",
});

/**
 * A combination of signPut constraints a driver refuses although it claims
 * each one alone, as data: `Storage.checkSignPut` and `signPut` refuse it
 * with `Unsupported` before the driver runs.
 *
 * ```ts
 * // S3: maxSize without an exact size is a POST policy form, which cannot be create-only.
 * { constraints: ["maxSize", "ifNotExists"], unless: ["size"], reason: "…" }
 * ```
 */
export interface SignPutConflict {
  /** Refused when every one of these is set (two or more). */
  readonly constraints: readonly SignPutConstraint[];
  /** …except when one of these is set too (it changes how the upload is signed). */
  readonly unless?: readonly SignPutConstraint[];
  /** Why, and what to sign instead; it ends the `Unsupported` message. */
  readonly reason: string;
}

/**
 * How to switch a capability on, per capability, for the `Unsupported`
 * message: `{ signPut: "pass `signing: { secrets, baseUrl }` to memoryDriver()" }`.
 */
export type CapabilityHints = Readonly<Partial<Record<CapabilityName, string>>>;
