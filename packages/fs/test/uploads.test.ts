import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { createStorage, isStorageError, type Storage } from "@stowage/core";
import { fsDriver, type FsDriver } from "@stowage/fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { leftoverFiles, removeRoot, tempRoot } from "./temp-root.js";

const signing = { secrets: [{ id: "test", secret: "fs-uploads-secret-0123456789abcdef" }], baseUrl: "http://localhost/__storage" };
const partSize = 5 * 1024 * 1024;

/** A body that sends `bytes`, then fails with `error`. */
function failingBody(bytes: Uint8Array, error: Error): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
    },
    pull(controller) {
      controller.error(error);
    },
  });
}

describe("fs upload parts", () => {
  let root: string;
  let driver: FsDriver;
  let storage: Storage;
  beforeEach(async () => {
    root = await tempRoot("uploads");
    driver = fsDriver({ root, cleanupOnStart: false, signing });
    storage = createStorage(driver);
  });
  afterEach(() => removeRoot(root));

  it("claims the session capabilities only with a signer that signs parts", () => {
    expect(driver.capabilities.multipartUpload).toBe(true);
    expect(driver.capabilities.signUploadPart).toBe(true);
    expect(driver.capabilities.uploadIfNotExists).toBe(true);
    const unsigned = fsDriver({ root, cleanupOnStart: false });
    expect(unsigned.capabilities.multipartUpload).toBe(false);
    expect(unsigned.capabilities.signUploadPart).toBe(false);
  });

  it("a body that errors, aborts or has another length than signed stores nothing, and the earlier part stays", async () => {
    const key = "videos/a.mp4";
    const session = await storage.uploads.create(key, { size: 2 * partSize });
    const earlier = await driver.uploadPart(key, session.uploadId, 1, randomBytes(partSize), { size: partSize });

    const failure = new Error("the client went away");
    await expect(driver.uploadPart(key, session.uploadId, 1, failingBody(randomBytes(1024), failure), { size: partSize })).rejects.toBe(failure);

    const controller = new AbortController();
    const hanging = new ReadableStream<Uint8Array>({
      start(stream) {
        stream.enqueue(randomBytes(1024));
        setTimeout(() => controller.abort(), 20);
      },
    });
    const aborted = await driver.uploadPart(key, session.uploadId, 1, hanging, { size: partSize, signal: controller.signal }).catch((error) => error);
    expect(isStorageError(aborted, "Aborted")).toBe(true);

    const short = new ReadableStream<Uint8Array>({
      start(stream) {
        stream.enqueue(randomBytes(partSize - 1));
        stream.close();
      },
    });
    const mismatch = await driver.uploadPart(key, session.uploadId, 1, short, { size: partSize }).catch((error) => error);
    expect(isStorageError(mismatch, "InvalidArgument")).toBe(true);
    const long = await driver.uploadPart(key, session.uploadId, 1, randomBytes(partSize + 1), { size: partSize }).catch((error) => error);
    expect(isStorageError(long, "InvalidArgument")).toBe(true);

    expect(await storage.uploads.listParts(session)).toEqual([{ partNumber: 1, size: partSize, etag: earlier.etag }]);
    expect(await leftoverFiles(root)).toEqual([]);
  });

  it("staged parts are outside the keyspace: never listed or readable, and gone after complete or abort", async () => {
    const key = "docs/report.pdf";
    const session = await storage.uploads.create(key, { contentType: "application/pdf", metadata: { owner: "ann" } });
    const body = randomBytes(1000);
    const part = await driver.uploadPart(key, session.uploadId, 1, body, {});
    const listed: string[] = [];
    for await (const info of storage.listAll()) listed.push(info.key);
    expect(listed).toEqual([]);
    expect(await storage.head(key)).toBeNull();
    expect(await storage.get(`%uploads/${session.uploadId}/upload.json`)).toBeNull();
    expect(await storage.get(`%uploads/${session.uploadId}/part-1`)).toBeNull();
    expect(await readdir(join(root, "%uploads", session.uploadId))).toEqual(["part-1", "upload.json"]);

    const info = await storage.uploads.complete(session, [{ partNumber: 1, etag: part.etag }]);
    expect(info).toEqual(await storage.head(key));
    expect(info.contentType).toBe("application/pdf");
    expect(info.metadata).toEqual({ owner: "ann" });
    expect(Buffer.from(await (await storage.get(key))!.bytes()).equals(body)).toBe(true);
    expect(await readdir(join(root, "%uploads"))).toEqual([]);
    const gone = await storage.uploads.listParts(session).catch((error) => error);
    expect(isStorageError(gone, "NotFound")).toBe(true);

    const other = await storage.uploads.create("docs/other.pdf");
    expect((await storage.uploads.list()).map((upload) => upload.uploadId)).toEqual([other.uploadId]);
    await storage.uploads.abort(other);
    await storage.uploads.abort(other);
    expect(await storage.uploads.list()).toEqual([]);
    expect(await readdir(join(root, "%uploads"))).toEqual([]);
    const unknown = await driver.uploadPart("docs/other.pdf", other.uploadId, 1, body, {}).catch((error) => error);
    expect(isStorageError(unknown, "NotFound")).toBe(true);
  });
});
