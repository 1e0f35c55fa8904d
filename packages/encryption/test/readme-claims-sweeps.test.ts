import { describe, expect, it } from "vitest";
import { createStorage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { recordField, reencrypt, rotateKeys } from "@stowage/encryption";
import { pattern, S } from "./encryption-helpers.js";
import { beforeRotation, duringRotation, encrypted, storedBytes } from "./sweep-helpers.js";

// README "Key rotation" and "Data-key rotation": what a run does with an
// object it cannot process.

describe("README: rotateKeys", () => {
  it("counts an object with a malformed record as failed (Corrupted) and leaves it untouched", async () => {
    const inner = memoryDriver();
    const raw = createStorage(inner);
    await encrypted(inner, beforeRotation).put("good", "fine");
    await encrypted(inner, beforeRotation).put("bad", "broken record");
    const record = (await raw.head("bad"))!.metadata[recordField]!;
    await raw.updateMetadata("bad", { metadata: { [recordField]: record.replace(/^1\./, "9.") } });
    const before = (await raw.head("bad"))!;
    const bodyBefore = await storedBytes(inner, "bad");

    const result = await rotateKeys({ driver: inner, keyring: duringRotation, to: "k2" });

    expect(result).toMatchObject({ scanned: 2, changed: 1, failed: 1 });
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ key: "bad", error: expect.objectContaining({ code: "Corrupted" }) });
    const after = (await raw.head("bad"))!;
    expect(after.etag).toBe(before.etag);
    expect(after.metadata).toEqual(before.metadata);
    expect(await storedBytes(inner, "bad")).toEqual(bodyBefore);
    expect((await raw.head("good"))!.metadata[recordField]).toMatch(/^1\.k2\./);
  });
});

describe("README: reencrypt", () => {
  it("counts a body that fails authentication as failed and leaves it untouched (first segment or a later one)", async () => {
    const inner = memoryDriver();
    const raw = createStorage(inner);
    const storage = encrypted(inner, beforeRotation);
    const size = 3 * S + 5;
    await storage.put("good", pattern(size, 1));
    // Flip one stored byte in segment 0 of one object and in segment 2 of another.
    for (const [key, at] of [["first", 8 + 10], ["later", 8 + 2 * (S + 16) + 10]] as const) {
      await storage.put(key, pattern(size, 2));
      const info = (await raw.head(key))!;
      const bytes = await storedBytes(inner, key);
      bytes[at]! ^= 1;
      await raw.put(key, bytes, { metadata: info.metadata, contentType: info.contentType });
    }
    const snapshot = new Map<string, { etag: string; bytes: Uint8Array }>();
    for (const key of ["first", "later"]) snapshot.set(key, { etag: (await raw.head(key))!.etag, bytes: await storedBytes(inner, key) });

    const result = await reencrypt({ driver: inner, keyring: duringRotation, before: new Date(Date.now() + 60_000) });

    expect(result).toMatchObject({ scanned: 3, changed: 1, failed: 2 });
    expect(result.failures.map((failure) => failure.key).sort()).toEqual(["first", "later"]);
    for (const failure of result.failures) expect(failure.error, failure.key).toMatchObject({ code: "Corrupted" });
    for (const [key, { etag, bytes }] of snapshot) {
      expect((await raw.head(key))!.etag, key).toBe(etag);
      expect(await storedBytes(inner, key), key).toEqual(bytes);
    }
    expect((await raw.head("good"))!.metadata[recordField]).toMatch(/^1\.k2\./);
    expect(await (await encrypted(inner, duringRotation).get("good"))!.bytes()).toEqual(pattern(size, 1));
  });
});
