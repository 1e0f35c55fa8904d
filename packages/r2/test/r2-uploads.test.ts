import { env } from "cloudflare:workers";
import { createHmacSigner, createStorage, sha256Hex } from "@stowage/core";
import { r2Driver } from "@stowage/r2";
import { describe, expect, it } from "vitest";

// Upload sessions on the r2 driver, inside workerd: what the binding does
// not give (listing uploads and parts) is recorded out of sight, and what
// it would do wrong (commit a part whose body failed) is prevented.
const bucket = (env as unknown as { BUCKET: R2Bucket }).BUCKET;
const MiB = 1024 * 1024;
const driver = r2Driver({
  bucket,
  signing: createHmacSigner({ secrets: [{ id: "k1", secret: "an uploads test secret of at least thirty-two bytes" }], baseUrl: "https://files.example.com/s" }),
});
const storage = createStorage(driver);
let counter = 0;
const key = (name: string) => `uploads-driver/${(counter++).toString(36)}-${name}`;
const registryPrefix = "__stowage/uploads/";

function patterned(size: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index++) bytes[index] = (index * 31 + seed) & 0xff;
  return bytes;
}

/** A stream of `bytes` in chunks, then an error instead of the end when `failure` is given. */
function chunked(bytes: Uint8Array, chunkSize: number, failure?: Error): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (offset >= bytes.byteLength) {
          if (failure) controller.error(failure);
          else controller.close();
          return;
        }
        controller.enqueue(bytes.slice(offset, offset + chunkSize));
        offset += chunkSize;
      },
    },
    { highWaterMark: 0 },
  );
}

/** Every key the binding itself holds under `prefix` (the registry included). */
async function rawKeys(prefix: string): Promise<string[]> {
  const listed = await bucket.list({ prefix, limit: 1000 });
  return listed.objects.map((object) => object.key);
}

describe("r2 upload sessions (gateway mode, over the binding)", () => {
  it("declares R2's part rules and its upload capabilities, with the reason create-only completion is off", () => {
    expect(driver.uploadLimits).toEqual({ minPartSize: 5 * MiB, maxPartSize: 5 * 1024 * MiB, maxParts: 10_000, equalParts: true });
    expect(driver.capabilities).toMatchObject({ multipartUpload: true, signUploadPart: true, uploadIfNotExists: false });
    expect(driver.capabilityHints.uploadIfNotExists).toMatch(/complete\(\) takes no condition/);
    const unsigned = r2Driver({ bucket });
    expect(unsigned.capabilities).toMatchObject({ multipartUpload: true, signUploadPart: false });
    expect(unsigned.capabilityHints.signUploadPart).toMatch(/createHmacSigner/);
  });

  it("keeps parts and the upload's records out of list, get and head until complete", async () => {
    const target = key("hidden.bin");
    const bytes = patterned(5 * MiB + 10, 3);
    const { uploadId } = await driver.createUpload(target, { contentType: "video/mp4", metadata: { a: "1" } });
    const first = await driver.uploadPart(target, uploadId, 1, chunked(bytes.subarray(0, 5 * MiB), 64 * 1024), { size: 5 * MiB });
    const second = await driver.uploadPart(target, uploadId, 2, bytes.slice(5 * MiB), {});
    expect(await driver.listUploadParts(target, uploadId)).toEqual([
      { partNumber: 1, size: 5 * MiB, etag: first.etag },
      { partNumber: 2, size: 10, etag: second.etag },
    ]);
    // The binding holds the registry's records...
    const records = await rawKeys(registryPrefix);
    expect(records.length).toBeGreaterThanOrEqual(3);
    // ...but the driver shows none of them, and nothing at the key.
    expect(await storage.head(target)).toBeNull();
    expect((await storage.list({ prefix: "uploads-driver/" })).objects.map((o) => o.key)).not.toContain(target);
    expect((await storage.list({ prefix: "__stowage/" })).objects).toEqual([]);
    expect((await storage.list({ prefix: "__stowage/", delimiter: "/" })).prefixes).not.toContain(registryPrefix);
    expect((await storage.list({ prefix: "" })).objects.filter((o) => o.key.startsWith(registryPrefix))).toEqual([]);
    for (const record of records) {
      expect(await storage.head(record)).toBeNull();
      expect(await storage.get(record)).toBeNull();
    }
    expect((await storage.uploads.list({ prefix: target })).map((u) => u.uploadId)).toEqual([uploadId]);

    const info = await driver.completeUpload(target, uploadId, [
      { partNumber: 1, etag: first.etag },
      { partNumber: 2, etag: second.etag },
    ], {});
    expect(info).toMatchObject({ key: target, size: bytes.byteLength, contentType: "video/mp4", metadata: { a: "1" } });
    const object = await storage.get(target);
    expect(await sha256Hex(await object!.bytes())).toBe(await sha256Hex(bytes));
    expect(await rawKeys(`${registryPrefix}p/${encodeURIComponent(uploadId)}/`)).toEqual([]);
    expect(await storage.uploads.list({ prefix: target })).toEqual([]);
  });

  it("abort leaves nothing: no object, no records, no upload at R2, and later calls are NotFound", async () => {
    const target = key("aborted.bin");
    const { uploadId } = await driver.createUpload(target, { contentType: "application/octet-stream", metadata: {} });
    const part = await driver.uploadPart(target, uploadId, 1, patterned(1000), { size: 1000 });
    await driver.abortUpload(target, uploadId);
    expect(await storage.head(target)).toBeNull();
    expect((await rawKeys(registryPrefix)).filter((k) => k.includes(encodeURIComponent(uploadId)))).toEqual([]);
    expect(await storage.uploads.list({ prefix: target })).toEqual([]);
    // R2 itself no longer knows the upload.
    await expect(bucket.resumeMultipartUpload(target, uploadId).complete([{ partNumber: 1, etag: part.etag }])).rejects.toThrow(/10024/);
    await expect(driver.listUploadParts(target, uploadId)).rejects.toMatchObject({ code: "NotFound" });
    await expect(driver.uploadPart(target, uploadId, 1, patterned(1000), { size: 1000 })).rejects.toMatchObject({ code: "NotFound" });
    await expect(driver.completeUpload(target, uploadId, [{ partNumber: 1, etag: part.etag }], {})).rejects.toMatchObject({ code: "NotFound" });
    await driver.abortUpload(target, uploadId);
    expect(await storage.head(target)).toBeNull();
  });

  it("a part body that errors, even after its last byte, stores no part: the earlier upload of that part stays", async () => {
    const target = key("failing part.bin");
    const good = patterned(3000, 5);
    const { uploadId } = await driver.createUpload(target, { contentType: "application/octet-stream", metadata: {} });
    const kept = await driver.uploadPart(target, uploadId, 1, good, { size: 3000 });
    const failure = new Error("the client went away");
    // Every byte arrives, then the stream errors instead of ending.
    await expect(driver.uploadPart(target, uploadId, 1, chunked(patterned(3000, 6), 1000, failure), { size: 3000 })).rejects.toBe(failure);
    // The stream errors mid-way.
    await expect(driver.uploadPart(target, uploadId, 1, chunked(patterned(1000, 7), 1000, failure), { size: 3000 })).rejects.toBe(failure);
    // Too long and too short for the signed size.
    // Too long (its first 3000 bytes would commit a part if the fourth read were not refused first) and too short.
    await expect(driver.uploadPart(target, uploadId, 1, chunked(patterned(3001, 8), 1000), { size: 3000 })).rejects.toMatchObject({ code: "InvalidArgument" });
    await expect(driver.uploadPart(target, uploadId, 1, chunked(patterned(2999, 9), 1000), { size: 3000 })).rejects.toMatchObject({ code: "InvalidArgument" });
    expect(await driver.listUploadParts(target, uploadId)).toEqual([{ partNumber: 1, size: 3000, etag: kept.etag }]);
    // R2 still holds the first upload of part 1: completing with its etag gives its bytes.
    await driver.completeUpload(target, uploadId, [{ partNumber: 1, etag: kept.etag }], {});
    const object = await storage.get(target);
    expect(await sha256Hex(await object!.bytes())).toBe(await sha256Hex(good));
  });

  it("a part body that errors on a fresh part stores nothing, and an aborted signal stops the part", async () => {
    const target = key("fresh failing part.bin");
    const { uploadId } = await driver.createUpload(target, { contentType: "application/octet-stream", metadata: {} });
    await expect(driver.uploadPart(target, uploadId, 2, chunked(patterned(2000), 500, new Error("cut")), { size: 2000 })).rejects.toThrow("cut");
    const controller = new AbortController();
    controller.abort(new Error("stopped"));
    await expect(driver.uploadPart(target, uploadId, 3, chunked(patterned(2000), 500), { size: 2000, signal: controller.signal })).rejects.toBeDefined();
    expect(await driver.listUploadParts(target, uploadId)).toEqual([]);
    await expect(bucket.resumeMultipartUpload(target, uploadId).complete([{ partNumber: 2, etag: "0".repeat(32) }])).rejects.toThrow();
    await driver.abortUpload(target, uploadId);
  });

  it("an upload of another key, and a direct create-only completion, are refused", async () => {
    const target = key("owned.bin");
    const { uploadId } = await driver.createUpload(target, { contentType: "application/octet-stream", metadata: {} });
    await expect(driver.listUploadParts(key("other.bin"), uploadId)).rejects.toMatchObject({ code: "NotFound" });
    await expect(driver.uploadPart(key("other.bin"), uploadId, 1, patterned(10), {})).rejects.toMatchObject({ code: "NotFound" });
    await expect(driver.completeUpload(target, uploadId, [], { ifNotExists: true })).rejects.toMatchObject({ code: "Unsupported" });
    await driver.abortUpload(key("other.bin"), uploadId);
    expect((await storage.uploads.list({ prefix: target })).map((u) => u.uploadId)).toEqual([uploadId]);
    await driver.abortUpload(target, uploadId);
  });

  it("an empty upload (one empty part, as core plans size 0) completes into a 0-byte object", async () => {
    const target = key("empty.bin");
    const session = await storage.uploads.create(target, { size: 0, contentType: "text/plain" });
    expect(session.partCount).toBe(1);
    const part = await driver.uploadPart(target, session.uploadId, 1, chunked(new Uint8Array(0), 1), { size: 0 });
    expect(part.size).toBe(0);
    const info = await storage.uploads.complete(session);
    expect(info).toMatchObject({ key: target, size: 0, contentType: "text/plain" });
    expect(await (await storage.get(target))!.text()).toBe("");
  });

  it("a signal aborted while the part streams stops it and stores no part", async () => {
    const target = key("aborted mid-part.bin");
    const { uploadId } = await driver.createUpload(target, { contentType: "application/octet-stream", metadata: {} });
    const controller = new AbortController();
    let sent = 0;
    // Half the part arrives, then the client stalls: only the signal can end it.
    const stalled = new ReadableStream<Uint8Array>({
      pull(stream) {
        if (sent === 0) {
          sent += 1000;
          stream.enqueue(patterned(1000));
        }
        return new Promise(() => {});
      },
    });
    const uploading = driver.uploadPart(target, uploadId, 1, stalled, { size: 2000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error("the request was cancelled")), 50);
    await expect(uploading).rejects.toBeDefined();
    expect(await driver.listUploadParts(target, uploadId)).toEqual([]);
    await driver.abortUpload(target, uploadId);
  }, 15_000);
});
