/** The closed set of error codes a Stowage user can see. */
export type StorageErrorCode =
  | "NotFound"
  | "AlreadyExists"
  | "PreconditionFailed"
  | "NotModified"
  | "InvalidKey"
  | "InvalidArgument"
  | "ChecksumMismatch"
  | "Corrupted"
  | "TooLarge"
  | "RangeNotSatisfiable"
  | "Unsupported"
  | "PermissionDenied"
  | "RateLimited"
  | "Unavailable"
  | "Aborted"
  | "Unknown";

export const storageErrorCodes: readonly StorageErrorCode[] = [
  "NotFound",
  "AlreadyExists",
  "PreconditionFailed",
  "NotModified",
  "InvalidKey",
  "InvalidArgument",
  "ChecksumMismatch",
  "Corrupted",
  "TooLarge",
  "RangeNotSatisfiable",
  "Unsupported",
  "PermissionDenied",
  "RateLimited",
  "Unavailable",
  "Aborted",
  "Unknown",
];

const brand = Symbol.for("stowage.StorageError");
const retryableByDefault = new Set<StorageErrorCode>(["RateLimited", "Unavailable"]);

export interface StorageErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  operation?: string;
  key?: string;
  driver?: string;
}

/**
 * The one error type Stowage throws. `code` is from a closed set, `retryable`
 * says whether the same call may succeed later, and `cause` keeps the native
 * error. Drivers throw it with a code; `Storage` fills in `operation`, `key`
 * and `driver`.
 */
export class StorageError extends Error {
  readonly code: StorageErrorCode;
  retryable: boolean;
  operation: string;
  declare key?: string;
  driver: string;
  declare cause?: unknown;

  constructor(code: StorageErrorCode, message: string, options: StorageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StorageError";
    this.code = code;
    this.retryable = options.retryable ?? retryableByDefault.has(code);
    this.operation = options.operation ?? "";
    this.driver = options.driver ?? "";
    if (options.key !== undefined) this.key = options.key;
    if (options.cause !== undefined) this.cause = options.cause;
    Object.defineProperty(this, brand, { value: true });
  }
}

/**
 * True when `error` is a StorageError (optionally with the given code). Works
 * across copies of this package (ESM and CJS builds), unlike `instanceof`.
 */
export function isStorageError(error: unknown, code?: StorageErrorCode): error is StorageError {
  if (typeof error !== "object" || error === null) return false;
  if (!(error as Record<symbol, unknown>)[brand]) return false;
  return code === undefined || (error as StorageError).code === code;
}
