import { httpStatusForError, isStorageError } from "@stowage/core";

/** `{ "error": { "code", "message" } }` with the given status. */
export function errorResponse(status: number, code: string, message: string, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

/**
 * Maps an error thrown by `Storage` (or anything else) to a JSON error
 * response, with the status of `httpStatusForError` from `@stowage/core`.
 */
export function storageErrorResponse(error: unknown): Response {
  if (isStorageError(error)) {
    const status = httpStatusForError(error);
    if (status >= 500) return errorResponse(status, error.code, "The storage failed; try again later");
    return errorResponse(status, error.code, error.message);
  }
  return errorResponse(500, "Internal", "The request failed");
}
