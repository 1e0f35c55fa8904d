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
    [sdkError("NotImplemented", 501), "Unsupported", false],
    [sdkError("Unknown", 501), "Unsupported", false],
    [sdkError("Unknown", 403), "PermissionDenied", false],
    [sdkError("RequestTimeTooSkewed", 403), "PermissionDenied", false],
    [Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }), "PermissionDenied", false],
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

  it("keeps the S3 code, HTTP status and request id as fields, and says them in the message", () => {
    const error = Object.assign(new Error("Conditional object PUTs are not supported."), {
      name: "NotImplemented",
      $metadata: { httpStatusCode: 501, requestId: "tx123" },
    });
    const mapped = mapS3Error(error);
    expect(mapped).toMatchObject({ code: "Unsupported", retryable: false, s3Code: "NotImplemented", httpStatus: 501, requestId: "tx123" });
    expect(mapped.message).toBe(
      'The S3 server does not implement this request: the server says "Conditional object PUTs are not supported."; ' +
        'use the profile that matches the server (for example profile "swift" for OpenStack Swift, or "generic"), so options it cannot honour are refused before any request ' +
        "(S3 NotImplemented, HTTP 501, request id tx123)",
    );
  });

  it("never shows the SDK's placeholder UnknownError, and says what to do", () => {
    const head403 = mapS3Error(Object.assign(new Error("UnknownError"), { name: "Unknown", $metadata: { httpStatusCode: 403 } }));
    expect(head403.message).not.toMatch(/UnknownError/);
    expect(head403.message).toMatch(/access key or secret is wrong/);
    expect(head403.message).toMatch(/AWS_ACCESS_KEY_ID/);
    expect(head403).toMatchObject({ s3Code: "", httpStatus: 403 });
    const precondition = mapS3Error(Object.assign(new Error("UnknownError"), { name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } }));
    expect(precondition.message).toMatch(/^The object's current etag is not the one given as ifMatch .*read it again and retry with its new etag \(S3 PreconditionFailed, HTTP 412\)$/);
  });

  it("missing credentials name the two ways to give them", () => {
    const mapped = mapS3Error(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }));
    expect(mapped.code).toBe("PermissionDenied");
    expect(mapped.message).toMatch(/No S3 credentials were found/);
    expect(mapped.message).toMatch(/pass credentials: \{ accessKeyId, secretAccessKey \}/);
    expect(mapped.message).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it("maps 412 on a create-only put to AlreadyExists", () => {
    expect(mapS3Error(sdkError("PreconditionFailed", 412), { ifNotExists: true }).code).toBe("AlreadyExists");
  });

  it("passes a StorageError through unchanged", () => {
    const original = new StorageError("ChecksumMismatch", "bad digest");
    expect(mapS3Error(original)).toBe(original);
  });
});
