import { StorageError, isStorageError, type StorageErrorCode } from "@stowage/core";

interface S3LikeError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  BucketName?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { statusCode?: number };
}

/**
 * A `StorageError` made from an S3 answer: the S3 error code, HTTP status
 * and request id stay available as fields (the SDK's error is its `cause`).
 */
export type S3StorageError = StorageError & {
  /** The S3 error code (`AccessDenied`, `NoSuchBucket`, …); `""` when the answer had none (HEAD answers have no body). */
  readonly s3Code?: string;
  /** The HTTP status, when the server answered. */
  readonly httpStatus?: number;
  /** The server's request id, for its logs. */
  readonly requestId?: string;
};

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
const credentialFix =
  "pass credentials: { accessKeyId, secretAccessKey } (to s3Driver, or to openStorage), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";

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
 * Maps an AWS SDK (or network) error to a `StorageError` whose message says
 * what happened and what to do, keeping the native error as `cause` and the
 * S3 code, HTTP status and request id as `s3Code`, `httpStatus` and
 * `requestId`. A `StorageError` passes through unchanged.
 */
export function mapS3Error(error: unknown, context: S3ErrorContext = {}): S3StorageError {
  if (isStorageError(error)) return error;
  const native = error as S3LikeError | undefined;
  const status = statusOf(error);
  const rawCode = s3CodeOf(error);
  // The SDK names an error it could not read a code for "Unknown" (a HEAD
  // answer has no body), or after the status ("NotFound", "Forbidden").
  const code = rawCode === "Unknown" || rawCode === "UnknownError" ? "" : rawCode;
  const nested = String((error as { cause?: { code?: string } } | undefined)?.cause?.code ?? "");
  const rawMessage = error instanceof Error ? error.message : String(error);
  const serverMessage = rawMessage === "UnknownError" || rawMessage === rawCode || rawMessage === "" ? "" : rawMessage;
  const requestId = native?.$metadata?.requestId;
  const answered = status !== undefined;

  const make = (storageCode: StorageErrorCode, text: string, retryable?: boolean): S3StorageError => {
    const facts = [code === "" ? (answered ? "no S3 error code" : rawCode || "no response") : `S3 ${code}`];
    if (answered) facts.push(`HTTP ${status}`);
    if (requestId) facts.push(`request id ${requestId}`);
    const mapped = new StorageError(storageCode, `${text} (${facts.join(", ")})`, {
      cause: error,
      ...(retryable === undefined ? {} : { retryable }),
    });
    Object.defineProperties(mapped, {
      s3Code: { value: answered ? code : rawCode, enumerable: true },
      ...(answered ? { httpStatus: { value: status, enumerable: true } } : {}),
      ...(requestId ? { requestId: { value: requestId, enumerable: true } } : {}),
    });
    return mapped as S3StorageError;
  };
  const said = (fallback: string) => (serverMessage === "" ? fallback : `${fallback}: the server says "${serverMessage}"`);

  if (rawCode === "AbortError" || nested === "ABORT_ERR") return make("Aborted", "The S3 request was aborted");
  if (rawCode === "CredentialsProviderError" || /could not load credentials/i.test(rawMessage)) {
    return make("PermissionDenied", `No S3 credentials were found (the AWS SDK's provider chain found none): ${credentialFix}`, false);
  }
  if (status === 304) return make("NotModified", "The object has not changed: it still has the etag given as ifNoneMatch");
  if (status === 412 || code === "PreconditionFailed") {
    return context.ifNotExists
      ? make("AlreadyExists", "The key already exists, so the create-only put (ifNotExists) left it unchanged")
      : make(
          "PreconditionFailed",
          "The object's current etag is not the one given as ifMatch (it was changed or deleted since you read it), so nothing was done; read it again and retry with its new etag",
        );
  }
  if (code === "ConditionalRequestConflict") {
    return make(
      context.ifNotExists ? "AlreadyExists" : "PreconditionFailed",
      "Another conditional write to this key was in progress at the same time; retry",
      true,
    );
  }
  if (code === "NoSuchBucket") {
    const bucket = native?.BucketName ? ` "${native.BucketName}"` : "";
    return make("NotFound", `The bucket${bucket} does not exist on this server: create it, or check the bucket name, endpoint and region`);
  }
  if (code === "NoSuchUpload") return make("NotFound", "The multipart upload no longer exists (it was aborted or completed)");
  if (code === "NoSuchKey" || code === "NotFound" || status === 404) return make("NotFound", "The object (or its bucket) does not exist");
  if (code === "SignatureDoesNotMatch") {
    return make("PermissionDenied", `The server refused the request's signature: the secret access key does not belong to the access key id (or a proxy changed the request); ${credentialFix} with the right pair`);
  }
  if (code === "InvalidAccessKeyId") {
    return make("PermissionDenied", `The server does not know this access key id: check that it exists on this server (the endpoint) and ${credentialFix}`);
  }
  if (code === "RequestTimeTooSkewed") {
    return make("PermissionDenied", "This machine's clock is too far from the server's (S3 allows 15 minutes) for the signature to be accepted: synchronise the clock (NTP)");
  }
  if (code === "ExpiredToken" || code === "TokenRefreshRequired" || code === "InvalidToken") {
    return make("PermissionDenied", "The session token is expired or invalid: refresh the temporary credentials (AWS_SESSION_TOKEN, or the credentials option's sessionToken)");
  }
  if (code === "AccessDenied" || code === "AllAccessDisabled" || code === "Forbidden") {
    return make("PermissionDenied", said("Access denied: these credentials may not do this on this bucket or key; check the user's permissions and the bucket policy"));
  }
  if (status === 403) {
    return make(
      "PermissionDenied",
      `The server refused the request without saying why (a HEAD answer has no body): the access key or secret is wrong, the clock is off by more than 15 minutes, or these credentials may not access this bucket; ${credentialFix}`,
    );
  }
  if (code === "SlowDown" || code === "Throttling" || code === "ThrottlingException" || status === 503 || status === 429) {
    return make("RateLimited", said("The server is overloaded or throttling requests; retry with backoff"), true);
  }
  if (code === "InvalidRange" || status === 416) return make("RangeNotSatisfiable", "The range starts past the end of the object");
  if (code === "EntityTooLarge" || status === 413) return make("TooLarge", said("The server refused the body as too large"));
  if (code === "BadDigest" || code === "InvalidDigest" || code === "XAmzContentChecksumMismatch" || code === "XAmzContentSHA256Mismatch") {
    return make("ChecksumMismatch", "The server received bytes that do not match their checksum: the body changed in transit or the digest is wrong");
  }
  if (code === "NotImplemented" || status === 501) {
    return make(
      "Unsupported",
      said("The S3 server does not implement this request") +
        '; use the profile that matches the server (for example profile "swift" for OpenStack Swift, or "generic"), so options it cannot honour are refused before any request',
      false,
    );
  }
  if (status !== undefined && status >= 500) {
    return make("Unavailable", said("The S3 server failed to handle the request; retry later, and check its logs if this persists"), true);
  }
  if (status === undefined && (networkCodes.has(rawCode) || networkCodes.has(nested) || /socket|network|ECONN/i.test(rawMessage))) {
    const what = /timeout/i.test(`${rawCode} ${nested} ${rawMessage}`)
      ? "The S3 server did not answer in time (timeouts.connect / timeouts.idle)"
      : "Could not reach the S3 server";
    return make("Unavailable", `${what}: check the endpoint and that the server is up; retry later (${rawMessage})`, true);
  }
  if (code === "InvalidArgument" || code === "InvalidRequest" || code === "KeyTooLongError" || code === "MetadataTooLarge") {
    return make("InvalidArgument", said("The server refused the request as invalid"));
  }
  return make("Unknown", said(`The S3 server answered with an error Stowage does not recognise${code === "" ? "" : ` (${code})`}`));
}
