import { StorageError } from "@stowage/core";

/**
 * The part of an R2 bucket the r2 driver keeps for its own records: the
 * upload registry (`__stowage/uploads/`) and the one-time nonces of
 * `r2NonceStore` (`__stowage/nonces/`). The driver never lists anything
 * under it (neither keys nor a common prefix), `get` and `head` find
 * nothing there, and `put`, `delete`, `copy` and `createUpload` of a key
 * under it are refused with `InvalidArgument`.
 */
export const reservedPrefix = "__stowage/";

/** True when `key` lies in the driver's reserved prefix. */
export function isReservedKey(key: string): boolean {
  return key.startsWith(reservedPrefix);
}

/** Throws `InvalidArgument` when `key` lies in the reserved prefix. */
export function refuseReservedKey(key: string, action: string): void {
  if (!isReservedKey(key)) return;
  throw new StorageError(
    "InvalidArgument",
    `${action} of ${key} is refused: keys under ${reservedPrefix} are reserved for the driver's own records (uploads in progress, one-time nonces)`,
    { key },
  );
}
