import { StorageError, isStorageError, type StorageErrorCode } from "@stowage/core";

/**
 * R2 error codes (the number in parentheses at the end of a binding error's
 * message) and the Stowage code each becomes.
 */
const codeByR2Code: Record<number, StorageErrorCode> = {
  10001: "Unavailable", // InternalError
  10002: "PermissionDenied", // Unauthorized
  10003: "PermissionDenied", // AccessDenied
  10004: "NotFound", // NoSuchBucket
  10007: "NotFound", // NoSuchKey
  10011: "InvalidArgument", // EntityTooSmall (a multipart part)
  10012: "InvalidArgument", // MetadataTooLarge
  10014: "InvalidArgument", // InvalidDigest
  10020: "InvalidKey", // InvalidObjectName (key too long)
  10022: "InvalidArgument", // InvalidArgument (list limit, ...)
  10024: "NotFound", // NoSuchUpload
  10031: "PreconditionFailed", // PreconditionFailed
  10037: "ChecksumMismatch", // BadDigest
  10039: "RangeNotSatisfiable", // InvalidRange
  10043: "Unavailable", // ServiceUnavailable
  10048: "InvalidArgument", // InvalidPart (unequal part sizes)
  10054: "Unavailable", // ClientDisconnect
  10058: "RateLimited", // TooManyRequests
  100100: "TooLarge", // EntityTooLarge
};

const r2CodePattern = /\((\d{5,6})\)\s*$/;

/** The R2 error code of a binding error, or undefined. */
export function r2ErrorCode(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "number" && code > 0) return code;
  const message = (error as { message?: unknown }).message;
  if (typeof message !== "string") return undefined;
  const match = r2CodePattern.exec(message);
  return match ? Number(match[1]) : undefined;
}

/** Turns a binding error into a StorageError with the matching code; StorageErrors pass through. */
export function toStorageError(error: unknown, action: string): StorageError {
  if (isStorageError(error)) return error;
  const r2Code = r2ErrorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  let code: StorageErrorCode = (r2Code !== undefined && codeByR2Code[r2Code]) || "Unknown";
  if (code === "Unknown" && error instanceof Error && error.name === "AbortError") code = "Aborted";
  if (code === "Unknown" && /network connection lost|internal error/i.test(detail)) code = "Unavailable";
  return new StorageError(code, `R2 ${action} failed: ${detail}`, { cause: error });
}
