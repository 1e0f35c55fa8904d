// The verifyUpload checks, run over any Storage: packages/core/test runs them
// on memory and fs, packages/s3/test on Ceph RGW. Each backend must give the
// same code and the same field in the message.
import { isStorageError, verifyUpload, type Storage, type StorageErrorCode } from "@stowage/core";
import { describe, expect, it } from "vitest";

export interface VerifyUploadBackend {
  storage: Storage;
  /** A fresh prefix for this run, ending with "/". */
  prefix: string;
}

async function expectCode(promise: Promise<unknown>, code: StorageErrorCode, field?: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(isStorageError(error), `expected a StorageError ${code}, got ${String(error)}`).toBe(true);
  if (!isStorageError(error)) return;
  expect(error.code).toBe(code);
  expect(error.operation).toBe("verifyUpload");
  if (field !== undefined) expect(error.message.startsWith(`${field}:`), error.message).toBe(true);
}

export function describeVerifyUpload(name: string, backend: () => VerifyUploadBackend): void {
  describe(`verifyUpload: ${name}`, () => {
    const body = new Uint8Array(1234).map((_, index) => index % 251);

    it("returns the stored ObjectInfo when everything the client reported matches, etag quoted or not", async () => {
      const { storage, prefix } = backend();
      const key = `${prefix}u1/ok.png`;
      const stored = await storage.put(key, body, { contentType: "image/png" });
      const info = await verifyUpload(storage, key, { prefix: `${prefix}u1/`, size: 1234, maxSize: 2000, contentType: "image/png", etag: stored.etag });
      expect(info).toMatchObject({ key, size: 1234, contentType: "image/png", etag: stored.etag });
      expect(info.etag.startsWith('"')).toBe(false);
      await verifyUpload(storage, key, { prefix: `${prefix}u1/`, etag: `"${stored.etag}"` });
      await verifyUpload(storage, key, { prefix: `${prefix}u1/`, etag: `W/"${stored.etag}"`, contentType: "IMAGE/PNG" });
      await verifyUpload(storage, key, { prefix: "" });
    });

    it("a key outside the prefix is PermissionDenied, even when it exists", async () => {
      const { storage, prefix } = backend();
      const key = `${prefix}u2/x.png`;
      await storage.put(key, body, { contentType: "image/png" });
      await expectCode(verifyUpload(storage, key, { prefix: `${prefix}u1/` }), "PermissionDenied");
      await expectCode(verifyUpload(storage, `${prefix}u10/x.png`, { prefix: `${prefix}u1/` }), "PermissionDenied");
    });

    it("a missing object is NotFound", async () => {
      const { storage, prefix } = backend();
      await expectCode(verifyUpload(storage, `${prefix}u1/never.png`, { prefix: `${prefix}u1/` }), "NotFound");
    });

    it("a size, type or etag that differs is PreconditionFailed naming the field; over maxSize is TooLarge", async () => {
      const { storage, prefix } = backend();
      const key = `${prefix}u1/mismatch.png`;
      const stored = await storage.put(key, body, { contentType: "image/png" });
      const where = { prefix: `${prefix}u1/` };
      await expectCode(verifyUpload(storage, key, { ...where, size: 1233 }), "PreconditionFailed", "size");
      await expectCode(verifyUpload(storage, key, { ...where, size: 1235 }), "PreconditionFailed", "size");
      await expectCode(verifyUpload(storage, key, { ...where, contentType: "image/jpeg" }), "PreconditionFailed", "contentType");
      const otherEtag = stored.etag.replace(/.$/, (last) => (last === "0" ? "1" : "0"));
      await expectCode(verifyUpload(storage, key, { ...where, etag: otherEtag }), "PreconditionFailed", "etag");
      await expectCode(verifyUpload(storage, key, { ...where, maxSize: 1233 }), "TooLarge", "maxSize");
      await verifyUpload(storage, key, { ...where, maxSize: 1234, size: 1234 });
    });

    it("a malformed expectation is InvalidArgument and a bad key InvalidKey", async () => {
      const { storage, prefix } = backend();
      const key = `${prefix}u1/ok.png`;
      await expectCode(verifyUpload(storage, key, { prefix: 1 } as never), "InvalidArgument");
      await expectCode(verifyUpload(storage, key, { prefix, sise: 3 } as never), "InvalidArgument");
      await expectCode(verifyUpload(storage, key, { prefix, size: -1 }), "InvalidArgument");
      await expectCode(verifyUpload(storage, key, undefined as never), "InvalidArgument");
      await expectCode(verifyUpload(storage, "/../x", { prefix: "" }), "InvalidKey");
    });
  });
}
