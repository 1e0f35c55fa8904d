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
});

export type CapabilityName = keyof Capabilities;
