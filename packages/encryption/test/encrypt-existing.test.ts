import { describe, expect, it } from "vitest";
import { createStorage, isStorageError } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { encryptExisting, withEncryption } from "@stowage/encryption";
import { pattern, S } from "./encryption-helpers.ts";
import { beforeRotation, encrypted, instrumented, kids } from "./sweep-helpers.ts";

async function seedPlaintext(count: number): Promise<{ inner: ReturnType<typeof memoryDriver>; contents: Map<string, Uint8Array> }> {
  const inner = memoryDriver();
  const raw = createStorage(inner);
  const contents = new Map<string, Uint8Array>();
  for (let index = 0; index < count; index++) {
    const key = `legacy/${String(index).padStart(3, "0")}`;
    const body = pattern([0, 5, S, 2 * S + 1][index % 4]!, index);
    await raw.put(key, body, { contentType: "image/png", metadata: { owner: `u${index}` }, contentDisposition: "inline" });
    contents.set(key, body);
  }
  return { inner, contents };
}

describe("encryptExisting", () => {
  it("encrypts plaintext objects in place, keeping their fields; a second run skips them all", async () => {
    const { inner, contents } = await seedPlaintext(6);
    await encrypted(inner, beforeRotation).put("legacy/already", pattern(10));
    const result = await encryptExisting({ driver: inner, keyring: beforeRotation });
    expect(result).toMatchObject({ scanned: 7, changed: 6, skipped: 1, conflicts: 0, failed: 0 });
    const storage = encrypted(inner, beforeRotation);
    for (const [key, body] of contents) {
      const object = (await storage.get(key))!;
      expect(await object.bytes()).toEqual(body);
      expect(object).toMatchObject({ contentType: "image/png", contentDisposition: "inline", metadata: { owner: `u${Number(key.slice(-3))}` } });
    }
    expect(Object.values(await kids(inner)).every((kid) => kid === "k1")).toBe(true);
    const again = await encryptExisting({ driver: inner, keyring: beforeRotation });
    expect(again).toMatchObject({ changed: 0, skipped: 7 });
  });

  it("a write between the read and the put wins and is counted as a conflict", async () => {
    const { inner } = await seedPlaintext(3);
    const counted = instrumented(inner);
    const newer = pattern(S + 7, 42);
    counted.hooks.beforePut = async (key) => {
      if (key === "legacy/001") {
        counted.hooks.beforePut = undefined;
        await inner.put(key, newer, { contentType: "text/plain", metadata: {} });
      }
    };
    const result = await encryptExisting({ driver: counted.driver, keyring: beforeRotation, concurrency: 1 });
    expect(result).toMatchObject({ changed: 2, conflicts: 1, failed: 0 });
    expect(await createStorage(inner).get("legacy/001").then((object) => object!.bytes())).toEqual(newer);
    const rest = await encryptExisting({ driver: inner, keyring: beforeRotation });
    expect(rest).toMatchObject({ changed: 1, skipped: 2 });
    expect(await encrypted(inner, beforeRotation).get("legacy/001").then((object) => object!.bytes())).toEqual(newer);
  });

  it("is resumable: an aborted run leaves each object plaintext or encrypted, never broken", async () => {
    const { inner, contents } = await seedPlaintext(10);
    const controller = new AbortController();
    const error = await encryptExisting({
      driver: inner,
      keyring: beforeRotation,
      concurrency: 1,
      signal: controller.signal,
      onProgress: (p) => p.changed === 4 && controller.abort(),
    }).catch((caught: unknown) => caught);
    expect(isStorageError(error, "Aborted")).toBe(true);
    const midway = Object.values(await kids(inner));
    expect(midway.filter((kid) => kid === "k1").length).toBe(4);
    const allow = createStorage(withAllow(inner));
    for (const [key, body] of contents) expect(await allow.get(key).then((object) => object!.bytes())).toEqual(body);
    const rest = await encryptExisting({ driver: inner, keyring: beforeRotation });
    expect(rest).toMatchObject({ changed: 6, skipped: 4 });
  });

  it("refuses a driver without putIfMatch unless unconditional", async () => {
    const { inner } = await seedPlaintext(1);
    const error = await encryptExisting({ driver: instrumented(inner, { putIfMatch: false }).driver, keyring: beforeRotation }).catch((caught: unknown) => caught);
    expect(isStorageError(error, "Unsupported")).toBe(true);
    const result = await encryptExisting({ driver: instrumented(inner, { putIfMatch: false }).driver, keyring: beforeRotation, unconditional: true });
    expect(result.changed).toBe(1);
  });
});

function withAllow(inner: ReturnType<typeof memoryDriver>) {
  return withEncryption(inner, { keyring: beforeRotation, plaintext: "allow" });
}
