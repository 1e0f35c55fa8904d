import { describe, expect, it } from "vitest";
import { createStorage, type ObjectInfo, type StorageDriver } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { createEncryptStream, encryptedSize, formatRecord, importDataKey, recordField, withEncryption, wrapDataKey } from "@stowage/encryption";
import { S, lazyStream, testKeys } from "./encryption-helpers.js";

// Constant memory, proved by counting: how far the producer runs ahead of
// the consumer. A layer that buffered a whole body would let it run 64 MiB
// ahead; one that holds a segment and a chunk stays within a few segments.
const size = 64 * 1024 * 1024;
const chunk = 16 * 1024;
const bound = 3 * (S + 16) + 4 * chunk;

describe("streaming keeps at most about one segment in flight", () => {
  it("put: a 64 MiB stream is encrypted as the inner driver reads it", async () => {
    let produced = 0;
    let maxLag = 0;
    let consumed = 0;
    const inner = memoryDriver();
    const sink: StorageDriver = {
      ...Object.fromEntries(["get", "head", "list", "delete", "copy"].map((name) => [name, (inner as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!.bind(inner)])),
      name: "sink",
      capabilities: inner.capabilities,
      async put(key, body, options): Promise<ObjectInfo> {
        const reader = (body as ReadableStream<Uint8Array>).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          consumed += value.length;
          maxLag = Math.max(maxLag, produced - (consumed - 8 - 16 * Math.ceil(consumed / (S + 16))));
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        return { key, size: consumed, etag: "e", lastModified: new Date(), contentType: options.contentType, metadata: options.metadata };
      },
    } as StorageDriver;
    const enc = createStorage(withEncryption(sink, { keyring: testKeys }));
    const info = await enc.put("big", lazyStream(size, chunk, (bytes) => (produced += bytes)), { size });
    expect(consumed).toBe(encryptedSize(size));
    expect(info.size).toBe(size);
    expect(maxLag).toBeLessThanOrEqual(bound);
  });

  it("get: a 64 MiB object is decrypted as the caller reads it", async () => {
    const dekBytes = crypto.getRandomValues(new Uint8Array(32));
    const record = formatRecord(await wrapDataKey(testKeys, testKeys.primary, "big", dekBytes, crypto.getRandomValues(new Uint8Array(12))));
    const dek = await importDataKey(dekBytes);
    let pulled = 0;
    const info: ObjectInfo = { key: "big", size: encryptedSize(size), etag: "e", lastModified: new Date(), contentType: "application/octet-stream", metadata: { [recordField]: record } };
    const source: StorageDriver = {
      name: "source",
      capabilities: memoryDriver().capabilities,
      put: () => Promise.reject(new Error("unused")),
      head: async () => info,
      list: async () => ({ objects: [], prefixes: [] }),
      delete: async () => {},
      async get() {
        const counted = new TransformStream<Uint8Array, Uint8Array>({
          transform(piece, controller) {
            pulled += piece.length;
            controller.enqueue(piece);
          },
        });
        return { info, body: lazyStream(size, chunk).pipeThrough(createEncryptStream(dek)).pipeThrough(counted, {}) };
      },
    };
    const object = (await createStorage(withEncryption(source, { keyring: testKeys })).get("big"))!;
    const reader = object.body.getReader();
    let read = 0;
    let maxLag = 0;
    let expectedByte = 0;
    let mismatches = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value[0] !== ((read * 7 + 1) & 0xff)) mismatches++;
      read += value.length;
      expectedByte = read;
      maxLag = Math.max(maxLag, pulled - 8 - 16 * Math.ceil(pulled / (S + 16)) - read);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    expect(expectedByte).toBe(size);
    expect(mismatches).toBe(0);
    expect(maxLag).toBeLessThanOrEqual(bound);
  });
});
