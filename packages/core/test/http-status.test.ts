import { StorageError, httpStatusByCode, httpStatusForCode, httpStatusForError, storageErrorCodes } from "@stowage/core";
import { describe, expect, it } from "vitest";

describe("httpStatusForError", () => {
  it("has a status for every StorageErrorCode", () => {
    expect(Object.keys(httpStatusByCode).sort()).toEqual([...storageErrorCodes].sort());
  });

  it("maps each code to its status", () => {
    const expected: Record<string, number> = {
      NotFound: 404,
      AlreadyExists: 409,
      PreconditionFailed: 412,
      NotModified: 304,
      InvalidKey: 400,
      InvalidArgument: 400,
      ChecksumMismatch: 400,
      Corrupted: 502,
      TooLarge: 413,
      RangeNotSatisfiable: 416,
      Unsupported: 501,
      PermissionDenied: 403,
      RateLimited: 429,
      Unavailable: 503,
      Aborted: 400,
      Unknown: 500,
    };
    for (const code of storageErrorCodes) {
      expect(httpStatusForError(new StorageError(code, "x")), code).toBe(expected[code]);
      expect(httpStatusForCode(code), code).toBe(expected[code]);
    }
  });

  it("is 500 for anything that is not a StorageError", () => {
    for (const value of [new Error("x"), "TooLarge", { code: "NotFound" }, null, undefined, 404]) {
      expect(httpStatusForError(value)).toBe(500);
    }
    expect(httpStatusForCode("toString")).toBe(500);
    expect(httpStatusForCode("Nope")).toBe(500);
  });
});
