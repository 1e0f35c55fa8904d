import { StorageError, type StorageErrorCode } from "@stowage/core";

/** A `StorageError` raised by the Kv layer itself (before any backend call). */
export function kvError(code: StorageErrorCode, message: string, operation: string, key?: string): StorageError {
  return new StorageError(code, message, { operation: `kv.${operation}`, key, driver: "kv" });
}
