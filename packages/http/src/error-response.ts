import { isStorageError, type StorageErrorCode } from "@stowage/core";

/** The status for each storage error code the handler can meet. */
const statusByCode: Record<StorageErrorCode, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  PreconditionFailed: 412,
  NotModified: 304,
  InvalidKey: 400,
  InvalidArgument: 400,
  ChecksumMismatch: 400,
  TooLarge: 413,
  RangeNotSatisfiable: 416,
  Unsupported: 501,
  PermissionDenied: 403,
  RateLimited: 429,
  Unavailable: 503,
  Aborted: 400,
  Unknown: 500,
};

/** `{ "error": { "code", "message" } }` with the given status. */
export function errorResponse(status: number, code: string, message: string, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

/** Maps an error thrown by `Storage` (or anything else) to a JSON error response. */
export function storageErrorResponse(error: unknown): Response {
  if (isStorageError(error)) {
    const status = statusByCode[error.code] ?? 500;
    if (status >= 500) return errorResponse(status, error.code, "The storage failed; try again later");
    return errorResponse(status, error.code, error.message);
  }
  return errorResponse(500, "Internal", "The request failed");
}
