import { StorageError, isStorageError, type StorageErrorCode } from "@stowage/core";

const codes: Record<string, StorageErrorCode> = {
  EACCES: "PermissionDenied",
  EPERM: "PermissionDenied",
  EROFS: "PermissionDenied",
  ELOOP: "PermissionDenied",
  ENOSPC: "Unavailable",
  EDQUOT: "Unavailable",
  EIO: "Unavailable",
  EMFILE: "Unavailable",
  ENFILE: "Unavailable",
  EAGAIN: "Unavailable",
  EBUSY: "Unavailable",
  ETIMEDOUT: "Unavailable",
  ESTALE: "Unavailable",
  ENOMEM: "Unavailable",
  EFBIG: "TooLarge",
  ENAMETOOLONG: "InvalidKey",
  ENOENT: "NotFound",
  ABORT_ERR: "Aborted",
};

/** The errno code of a Node file-system error, if any. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Maps a native file-system error to a `StorageError`; a `StorageError`
 * passes through unchanged. Full disks and I/O errors are `Unavailable`
 * (retryable); permission problems and read-only file systems are
 * `PermissionDenied`.
 */
export function mapFsError(error: unknown, action: string): StorageError {
  if (isStorageError(error)) return error;
  const code = errorCode(error);
  const mapped: StorageErrorCode =
    (code !== undefined ? codes[code] : undefined) ??
    ((error as { name?: unknown } | null)?.name === "AbortError" ? "Aborted" : "Unknown");
  const detail = error instanceof Error ? error.message : String(error);
  return new StorageError(mapped, `fs: ${action} failed: ${detail}`, { cause: error });
}
