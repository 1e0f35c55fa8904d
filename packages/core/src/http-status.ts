import { isStorageError, type StorageErrorCode } from "./storage-error.js";

/**
 * The HTTP status an app server should answer for each `StorageError` code.
 * `@stowage/http` answers with exactly this table.
 */
export const httpStatusByCode: Readonly<Record<StorageErrorCode, number>> = Object.freeze({
  NotFound: 404,
  AlreadyExists: 409,
  PreconditionFailed: 412,
  NotModified: 304,
  InvalidKey: 400,
  InvalidArgument: 400,
  ChecksumMismatch: 400,
  Corrupted: 502,
  TooLarge: 413,
  RangeNotSatisfiable: 416,
  Unsupported: 501,
  PermissionDenied: 403,
  RateLimited: 429,
  Unavailable: 503,
  Aborted: 400,
  Unknown: 500,
});

/** The HTTP status for a `StorageErrorCode` (500 for anything that is not one). */
export function httpStatusForCode(code: string): number {
  return Object.prototype.hasOwnProperty.call(httpStatusByCode, code) ? httpStatusByCode[code as StorageErrorCode] : 500;
}

/**
 * The HTTP status for anything thrown: a `StorageError`'s code through
 * `httpStatusByCode`; 500 for any other value (a bug, not the caller's fault).
 */
export function httpStatusForError(error: unknown): number {
  return isStorageError(error) ? httpStatusForCode(error.code) : 500;
}
