import { StorageError, type StorageErrorCode } from "@stowage/core";

/**
 * A `StorageError` for a failed Blob service response: the `x-ms-error-code`
 * header (or the status) picks the code. Reads and discards the body.
 */
export async function mapAzureError(response: Response, operation: string, key?: string): Promise<StorageError> {
  const text = await response.text().catch(() => "");
  const azureCode = response.headers.get("x-ms-error-code") ?? /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? "";
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1]?.split("\n")[0] ?? "";
  const code = storageCodeOf(response.status, azureCode);
  const subject = key === undefined ? operation : `${operation} ${key}`;
  return new StorageError(code, `azure: ${subject} failed: ${response.status} ${azureCode}${message ? `: ${message}` : ""}`);
}

/** The Stowage code for an Azure status and error code. */
export function storageCodeOf(status: number, azureCode: string): StorageErrorCode {
  switch (azureCode) {
    case "BlobNotFound":
    case "ContainerNotFound":
    case "CannotVerifyCopySource":
      return "NotFound";
    case "ConditionNotMet":
    case "SourceConditionNotMet":
    case "TargetConditionNotMet":
      return "PreconditionFailed";
    case "BlobAlreadyExists":
      return "AlreadyExists";
    case "AuthenticationFailed":
    case "AuthorizationFailure":
    case "AuthorizationPermissionMismatch":
    case "InsufficientAccountPermissions":
      return "PermissionDenied";
    case "InvalidRange":
      return "RangeNotSatisfiable";
    case "ServerBusy":
    case "InternalError":
    case "OperationTimedOut":
      return "Unavailable";
  }
  if (status === 304) return "NotModified";
  if (status === 404) return "NotFound";
  if (status === 412) return "PreconditionFailed";
  if (status === 416) return "RangeNotSatisfiable";
  if (status === 401 || status === 403) return "PermissionDenied";
  if (status === 429) return "RateLimited";
  if (status >= 500) return "Unavailable";
  if (status === 400) return "InvalidArgument";
  return "Unknown";
}
