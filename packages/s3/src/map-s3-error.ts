import { StorageError, isStorageError, type StorageErrorCode } from "@stowage/core";

interface S3LikeError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
}

const permissionCodes = new Set(["AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId", "AllAccessDisabled", "Forbidden"]);
const networkCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
]);

/** What the failed call was doing, for codes that depend on it. */
export interface S3ErrorContext {
  /** The put was create-only: a 412 means the key exists. */
  ifNotExists?: boolean;
}

/** The HTTP status of an SDK error, if it got a response. */
export function statusOf(error: unknown): number | undefined {
  const value = error as S3LikeError | undefined;
  return value?.$metadata?.httpStatusCode ?? value?.$response?.statusCode;
}

/** The S3 error code (`NoSuchKey`, `SlowDown`...) of an SDK error. */
export function s3CodeOf(error: unknown): string {
  const value = error as S3LikeError | undefined;
  return String(value?.Code ?? value?.name ?? value?.code ?? "");
}

/**
 * Maps an AWS SDK (or network) error to a `StorageError`, keeping the native
 * error as `cause`. A `StorageError` passes through unchanged.
 */
export function mapS3Error(error: unknown, context: S3ErrorContext = {}): StorageError {
  if (isStorageError(error)) return error;
  const status = statusOf(error);
  const code = s3CodeOf(error);
  const nested = String((error as { cause?: { code?: string } } | undefined)?.cause?.code ?? "");
  const message = error instanceof Error ? error.message : String(error);
  const make = (storageCode: StorageErrorCode, retryable?: boolean) =>
    new StorageError(storageCode, `S3 ${code || "error"}${status ? ` (HTTP ${status})` : ""}: ${message || storageCode}`, {
      cause: error,
      ...(retryable === undefined ? {} : { retryable }),
    });

  if (code === "AbortError" || nested === "ABORT_ERR") return make("Aborted");
  if (status === 304) return make("NotModified");
  if (status === 412 || code === "PreconditionFailed") return make(context.ifNotExists ? "AlreadyExists" : "PreconditionFailed");
  if (code === "ConditionalRequestConflict") return make(context.ifNotExists ? "AlreadyExists" : "PreconditionFailed", true);
  if (code === "NoSuchKey" || code === "NoSuchBucket" || code === "NotFound" || code === "NoSuchUpload" || status === 404) {
    return make("NotFound");
  }
  if (permissionCodes.has(code) || status === 403) return make("PermissionDenied");
  if (code === "SlowDown" || code === "Throttling" || code === "ThrottlingException" || status === 503 || status === 429) {
    return make("RateLimited", true);
  }
  if (code === "InvalidRange" || status === 416) return make("RangeNotSatisfiable");
  if (code === "EntityTooLarge" || status === 413) return make("TooLarge");
  if (code === "BadDigest" || code === "InvalidDigest" || code === "XAmzContentChecksumMismatch" || code === "XAmzContentSHA256Mismatch") {
    return make("ChecksumMismatch");
  }
  if (status !== undefined && status >= 500) return make("Unavailable", true);
  if (status === undefined && (networkCodes.has(code) || networkCodes.has(nested) || /socket|network|ECONN/i.test(message))) {
    return make("Unavailable", true);
  }
  if (code === "InvalidArgument" || code === "InvalidRequest" || code === "KeyTooLongError" || code === "MetadataTooLarge") {
    return make("InvalidArgument");
  }
  return make("Unknown");
}
