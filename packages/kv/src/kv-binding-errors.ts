import { StorageError, isStorageError, type StorageErrorCode } from "@stowage/core";

/**
 * A Workers KV binding error carries the HTTP status of the KV service in
 * its message, as workerd words it: "KV PUT failed: 413 Value length of ...
 * exceeds limit of 26214400." This maps that status to a Stowage code.
 */
const codeByStatus: Record<number, StorageErrorCode> = {
  400: "InvalidArgument", // expiration too soon or past, TTL under 60, list limit over 1000
  401: "PermissionDenied",
  403: "PermissionDenied",
  404: "NotFound",
  413: "TooLarge", // value over 25 MiB (metadata over 1024 bytes is also 413: see below)
  414: "InvalidKey", // key over 512 bytes
  429: "RateLimited", // more than one write per second to a key, or account limits
  500: "Unavailable",
  502: "Unavailable",
  503: "Unavailable",
  504: "Unavailable",
};

const statusPattern = /\bKV \w+ failed: (\d{3})\b/;

/** The KV service status in a binding error's message, or undefined. */
export function kvErrorStatus(error: unknown): number | undefined {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message !== "string") return undefined;
  const match = statusPattern.exec(message);
  return match ? Number(match[1]) : undefined;
}

/** Turns a binding error into a StorageError with the matching code; StorageErrors pass through. */
export function toKvStorageError(error: unknown, action: string): StorageError {
  if (isStorageError(error)) return error;
  const status = kvErrorStatus(error);
  const detail = error instanceof Error ? error.message : String(error);
  let code: StorageErrorCode = (status !== undefined && codeByStatus[status]) || "Unknown";
  // "413 Metadata length of 1108 exceeds limit of 1024.": the caller's input, not a large value.
  if (status === 413 && /metadata/i.test(detail)) code = "InvalidArgument";
  // workerd checks some arguments itself and throws a TypeError ("Key name cannot be empty.").
  if (code === "Unknown" && error instanceof TypeError) code = /key/i.test(detail) ? "InvalidKey" : "InvalidArgument";
  if (code === "Unknown" && status !== undefined && status >= 500) code = "Unavailable";
  if (code === "Unknown" && error instanceof Error && error.name === "AbortError") code = "Aborted";
  if (code === "Unknown" && /network connection lost|internal error/i.test(detail)) code = "Unavailable";
  return new StorageError(code, `Workers KV ${action} failed: ${detail}`, { cause: error });
}
