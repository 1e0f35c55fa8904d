import { mapS3Error } from "@stowage/s3";
import { StorageError } from "@stowage/core";
import { describe, expect, it } from "vitest";

function sdkError(name: string, status?: number): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
  });
}

describe("mapS3Error", () => {
  const table: [Error, string, boolean][] = [
    [sdkError("NoSuchKey", 404), "NotFound", false],
    [sdkError("NoSuchBucket", 404), "NotFound", false],
    [sdkError("NotFound", 404), "NotFound", false],
    [sdkError("AccessDenied", 403), "PermissionDenied", false],
    [sdkError("SignatureDoesNotMatch", 403), "PermissionDenied", false],
    [sdkError("InvalidAccessKeyId", 403), "PermissionDenied", false],
    [sdkError("SlowDown", 503), "RateLimited", true],
    [sdkError("ServiceUnavailable", 503), "RateLimited", true],
    [sdkError("InternalError", 500), "Unavailable", true],
    [sdkError("BadGateway", 502), "Unavailable", true],
    [Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }), "Unavailable", true],
    [sdkError("TimeoutError"), "Unavailable", true],
    [sdkError("InvalidRange", 416), "RangeNotSatisfiable", false],
    [sdkError("EntityTooLarge", 400), "TooLarge", false],
    [sdkError("PreconditionFailed", 412), "PreconditionFailed", false],
    [sdkError("Unknown", 304), "NotModified", false],
    [sdkError("BadDigest", 400), "ChecksumMismatch", false],
    [sdkError("AbortError"), "Aborted", false],
    [sdkError("InvalidArgument", 400), "InvalidArgument", false],
    [sdkError("SomethingNew", 400), "Unknown", false],
  ];
  for (const [error, code, retryable] of table) {
    it(`${error.name} (${(error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? "no status"}) → ${code}`, () => {
      const mapped = mapS3Error(error);
      expect(mapped).toBeInstanceOf(StorageError);
      expect(mapped.code).toBe(code);
      expect(mapped.retryable).toBe(retryable);
      expect(mapped.cause).toBe(error);
    });
  }

  it("maps 412 on a create-only put to AlreadyExists", () => {
    expect(mapS3Error(sdkError("PreconditionFailed", 412), { ifNotExists: true }).code).toBe("AlreadyExists");
  });

  it("passes a StorageError through unchanged", () => {
    const original = new StorageError("ChecksumMismatch", "bad digest");
    expect(mapS3Error(original)).toBe(original);
  });
});
