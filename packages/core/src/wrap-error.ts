import { StorageError, isStorageError } from "./storage-error.js";

/**
 * Wraps any error exactly once into a `StorageError`: a `StorageError`
 * passes through, an `AbortError` becomes `Aborted`, anything else
 * `Unknown` with the original as `cause`. Fills in the operation, key and
 * driver name where they are missing.
 */
export function wrapError(error: unknown, driverName: string, operation: string, key?: string): StorageError {
  let wrapped: StorageError;
  if (isStorageError(error)) {
    wrapped = error;
  } else if (isAbortError(error)) {
    wrapped = new StorageError("Aborted", `The ${operation} was aborted`, { cause: error });
  } else {
    const detail = error instanceof Error ? error.message : String(error);
    wrapped = new StorageError("Unknown", `The ${driverName} driver failed in ${operation}: ${detail}`, { cause: error });
  }
  if (!wrapped.operation) wrapped.operation = operation;
  if (wrapped.key === undefined && key !== undefined) wrapped.key = key;
  if (!wrapped.driver) wrapped.driver = driverName;
  return wrapped;
}

function isAbortError(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "AbortError";
}
