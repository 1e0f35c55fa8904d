import { describe, expect, it } from "vitest";
import { createStorage, isStorageError, type Storage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { createSignedUrlHandler } from "@stowage/http";
import { headerSize, storedSegmentSize, withEncryption } from "@stowage/encryption";
import { S, encryptedMemory, pattern, readUntilError, testKeys } from "./encryption-helpers.js";

// Four segments: three full, the last holds 100 bytes.
const plaintext = pattern(3 * S + 100);

/** Flips one stored byte of `key` (its record kept). */
async function flip(raw: Storage, key: string, offset: number): Promise<void> {
  const object = (await raw.get(key))!;
  const bytes = await object.bytes();
  bytes[offset]! ^= 0x01;
  await raw.put(key, bytes, { metadata: object.metadata });
}

const segmentAt = (index: number) => headerSize + index * storedSegmentSize;

describe("get authenticates the first segment it serves before it resolves", () => {
  it("a tampered first segment rejects the whole get itself with Corrupted", async () => {
    const { enc, raw } = encryptedMemory();
    await enc.put("a", plaintext);
    await flip(raw, "a", segmentAt(0) + 10);
    await expect(enc.get("a")).rejects.toMatchObject({ code: "Corrupted" });
  });

  it("a tampered header rejects the whole get itself with Corrupted", async () => {
    const { enc, raw } = encryptedMemory();
    await enc.put("a", plaintext);
    await flip(raw, "a", 2);
    await expect(enc.get("a")).rejects.toMatchObject({ code: "Corrupted" });
  });

  it("a tampered first segment of a range rejects the ranged get itself (offset and suffix ranges)", async () => {
    const { enc, raw } = encryptedMemory();
    await enc.put("a", plaintext);
    await flip(raw, "a", segmentAt(2) + 7);
    await expect(enc.get("a", { range: { offset: 2 * S + 1, length: 1 } })).rejects.toMatchObject({ code: "Corrupted" });
    await expect(enc.get("a", { range: { offset: 2 * S, length: S + 50 } })).rejects.toMatchObject({ code: "Corrupted" });
    await expect(enc.get("a", { range: { suffix: S + 100 } })).rejects.toMatchObject({ code: "Corrupted" });
    // A range that does not touch segment 2 still reads.
    expect(await (await enc.get("a", { range: { offset: S, length: 3 } }))!.bytes()).toEqual(plaintext.subarray(S, S + 3));
  });

  it("a later tampered segment still streams: the get resolves, the stream delivers the segments before it and errors", async () => {
    const { enc, raw } = encryptedMemory();
    await enc.put("a", plaintext);
    await flip(raw, "a", segmentAt(2) + 7);
    const whole = (await enc.get("a"))!;
    const read = await readUntilError(whole.body);
    expect(isStorageError(read.error, "Corrupted")).toBe(true);
    expect(read.delivered).toEqual(plaintext.subarray(0, 2 * S));
    const ranged = (await enc.get("a", { range: { offset: S + 10, length: S } }))!;
    const rangedRead = await readUntilError(ranged.body);
    expect(isStorageError(rangedRead.error, "Corrupted")).toBe(true);
    expect(rangedRead.delivered).toEqual(plaintext.subarray(S + 10, 2 * S));
  });

  it("an empty object's get resolves once its one empty segment authenticated", async () => {
    const { enc, raw } = encryptedMemory();
    await enc.put("e", new Uint8Array(0));
    expect(await (await enc.get("e"))!.bytes()).toEqual(new Uint8Array(0));
    await flip(raw, "e", headerSize + 3);
    await expect(enc.get("e")).rejects.toMatchObject({ code: "Corrupted" });
  });

  it("through @stowage/http's signed-URL handler, a tampered first segment answers 502, not a 200/206 with a cut body", async () => {
    const secrets = [{ id: "g", secret: "gateway-test-secret-0123456789abcdef" }];
    const inner = memoryDriver();
    const storage = createStorage(withEncryption(inner, { keyring: testKeys, signing: { secrets, baseUrl: "http://gateway.test/__storage" } }));
    const handler = createSignedUrlHandler(storage, { secrets, basePath: "/__storage" });
    await storage.put("t", plaintext);
    await flip(createStorage(inner), "t", segmentAt(1) + 3);
    const get = await storage.signGet("t");
    const whole = await handler(new Request(get.url));
    expect(whole.status).toBe(200);
    await expect(whole.arrayBuffer()).rejects.toBeDefined();
    const ranged = await handler(new Request(get.url, { headers: { range: `bytes=${S + 5}-${S + 9}` } }));
    expect(ranged.status).toBe(502);
    await flip(createStorage(inner), "t", segmentAt(0) + 3);
    const tampered = await handler(new Request(get.url));
    expect(tampered.status).toBe(502);
  });
});
