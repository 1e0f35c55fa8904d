// StorageError codes → HTTP statuses, in one place. A storage failure becomes
// a JSON error the page can show, never a bare 500: a caller's mistake (a bad
// key, a foreign list cursor) is a 4xx, a storage outage a 503.
import { isStorageError, type StorageErrorCode } from "@stowage/core";

export const statusOfCode: Readonly<Record<StorageErrorCode, number>> = {
  InvalidKey: 400,
  InvalidArgument: 400,
  ChecksumMismatch: 400,
  PermissionDenied: 403,
  NotFound: 404,
  AlreadyExists: 409,
  PreconditionFailed: 412,
  NotModified: 412,
  TooLarge: 413,
  RangeNotSatisfiable: 416,
  Unsupported: 501,
  RateLimited: 503,
  Unavailable: 503,
  Aborted: 503,
  Unknown: 500,
};

export interface ErrorBody {
  status: number;
  code: string;
  message: string;
}

/** The status, code and message to answer for an error thrown while handling a request. */
export function describeError(error: unknown): ErrorBody {
  if (!isStorageError(error)) return { status: 500, code: "Internal", message: "The request failed" };
  const status = statusOfCode[error.code] ?? 500;
  // A 5xx message may describe the storage's internals; a 4xx one is about the request.
  const message = status >= 500 ? (error.retryable ? "The storage is unavailable; try again" : "The storage failed") : error.message;
  return { status, code: error.code, message };
}
