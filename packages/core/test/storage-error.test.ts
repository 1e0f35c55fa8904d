import { describe, expect, it } from "vitest";
import { StorageError, isStorageError, storageErrorCodes, type StorageErrorCode } from "@stowage/core";

describe("StorageError", () => {
  it("carries code, retryable, operation, key, driver and cause", () => {
    const cause = new Error("native");
    const error = new StorageError("NotFound", "no such key", { cause, operation: "get", key: "a", driver: "memory" });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("StorageError");
    expect(error.message).toBe("no such key");
    expect(error).toMatchObject({ code: "NotFound", retryable: false, operation: "get", key: "a", driver: "memory" });
    expect(error.cause).toBe(cause);
  });

  it("leaves key and cause absent when not given, and operation and driver empty", () => {
    const error = new StorageError("Unknown", "x");
    expect("key" in error).toBe(false);
    expect(error.cause).toBeUndefined();
    expect(error.operation).toBe("");
    expect(error.driver).toBe("");
  });

  it("is retryable by default exactly for RateLimited and Unavailable, and can be told otherwise", () => {
    for (const code of storageErrorCodes) {
      expect(new StorageError(code, "x").retryable, code).toBe(code === "RateLimited" || code === "Unavailable");
    }
    expect(new StorageError("Unknown", "x", { retryable: true }).retryable).toBe(true);
    expect(new StorageError("Unavailable", "x", { retryable: false }).retryable).toBe(false);
  });

  it("lists the 16 codes of the contract", () => {
    const expected: StorageErrorCode[] = [
      "NotFound", "AlreadyExists", "PreconditionFailed", "NotModified", "InvalidKey", "InvalidArgument",
      "ChecksumMismatch", "Corrupted", "TooLarge", "RangeNotSatisfiable", "Unsupported", "PermissionDenied", "RateLimited",
      "Unavailable", "Aborted", "Unknown",
    ];
    expect([...storageErrorCodes].sort()).toEqual([...expected].sort());
  });
});

describe("isStorageError", () => {
  it("recognises a StorageError, optionally by code", () => {
    const error = new StorageError("AlreadyExists", "x");
    expect(isStorageError(error)).toBe(true);
    expect(isStorageError(error, "AlreadyExists")).toBe(true);
    expect(isStorageError(error, "NotFound")).toBe(false);
  });

  it("refuses look-alikes and non-errors", () => {
    const lookAlike = Object.assign(new Error("x"), { name: "StorageError", code: "NotFound" });
    expect(isStorageError(lookAlike)).toBe(false);
    expect(isStorageError({ code: "NotFound" })).toBe(false);
    expect(isStorageError(null)).toBe(false);
    expect(isStorageError(undefined)).toBe(false);
    expect(isStorageError("NotFound")).toBe(false);
  });

  it("recognises errors from another copy of the package, where instanceof fails", async () => {
    // A second module instance stands for a second copy of @stowage/core
    // (ESM and CJS builds side by side, or two installed versions).
    const secondCopy = "../src/storage-error.ts?second-copy";
    const copy = (await import(/* @vite-ignore */ secondCopy)) as typeof import("../src/storage-error.js");
    expect(copy.StorageError).not.toBe(StorageError);
    const foreign = new copy.StorageError("PreconditionFailed", "from the other copy");
    expect(foreign instanceof StorageError).toBe(false);
    expect(isStorageError(foreign)).toBe(true);
    expect(isStorageError(foreign, "PreconditionFailed")).toBe(true);
    expect(copy.isStorageError(new StorageError("Unknown", "from this copy"))).toBe(true);
  });

  it("keeps the brand off the enumerable properties", () => {
    const error = new StorageError("NotFound", "x", { key: "k" });
    expect(Object.keys(error).some((name) => name.includes("stowage"))).toBe(false);
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code: "NotFound", key: "k" });
  });
});
