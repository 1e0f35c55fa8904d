import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isStorageError, type StorageDriver } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { fsDriver } from "@stowage/fs";
import { rotateKeys, type SweepProgress } from "@stowage/encryption";
import { pattern, S } from "./encryption-helpers.ts";
import { afterRotation, beforeRotation, duringRotation, encrypted, instrumented, kids, storedBytes } from "./sweep-helpers.ts";

const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

const drivers: [string, () => StorageDriver][] = [
  ["memory", () => memoryDriver()],
  [
    "fs",
    () => {
      const root = mkdtempSync(join(tmpdir(), "stowage-rotate-"));
      roots.push(root);
      return fsDriver({ root });
    },
  ],
];

const sizes = [0, 1, S, S + 1, 3 * S + 5];

async function seed(driver: StorageDriver, count = sizes.length): Promise<Map<string, Uint8Array>> {
  const storage = encrypted(driver, beforeRotation);
  const contents = new Map<string, Uint8Array>();
  for (let index = 0; index < count; index++) {
    const key = `objects/${String(index).padStart(3, "0")}`;
    const body = pattern(sizes[index % sizes.length]!, index);
    await storage.put(key, body, { contentType: "application/x-test", metadata: { index: String(index) }, cacheControl: "max-age=60" });
    contents.set(key, body);
  }
  return contents;
}

async function expectReadable(driver: StorageDriver, keys: typeof afterRotation, contents: Map<string, Uint8Array>): Promise<void> {
  const storage = encrypted(driver, keys);
  for (const [key, body] of contents) {
    const object = (await storage.get(key))!;
    expect(await object.bytes(), key).toEqual(body);
    expect(object.metadata).toEqual({ index: String(Number(key.slice(-3))) });
    expect(object.contentType).toBe("application/x-test");
    expect(object.cacheControl).toBe("max-age=60");
  }
}

describe.each(drivers)("rotateKeys on %s", (_name, make) => {
  it("re-wraps every data key under `to` without moving a body byte; the old key can then be removed", async () => {
    const inner = make();
    const contents = await seed(inner);
    const before = new Map<string, Uint8Array>();
    for (const key of contents.keys()) before.set(key, await storedBytes(inner, key));
    const counted = instrumented(inner);
    const progress: SweepProgress[] = [];
    const result = await rotateKeys({ driver: counted.driver, keyring: duringRotation, to: "k2", onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ scanned: contents.size, changed: contents.size, skipped: 0, failed: 0, bodyBytes: 0 });
    expect(counted.bytes()).toEqual({ read: 0, written: 0 });
    expect(progress.at(-1)).toMatchObject({ scanned: contents.size, changed: contents.size });
    expect(progress.length).toBe(contents.size);
    expect(Object.values(await kids(inner))).toEqual([...contents.keys()].map(() => "k2"));
    for (const [key, bytes] of before) expect(await storedBytes(inner, key), key).toEqual(bytes);
    await expectReadable(inner, afterRotation, contents);
    const again = await rotateKeys({ driver: inner, keyring: duringRotation, to: "k2" });
    expect(again).toMatchObject({ scanned: contents.size, changed: 0, skipped: contents.size });
  });

  it("an interrupted rotation leaves every object readable and a second run finishes it", async () => {
    const inner = make();
    const contents = await seed(inner, 12);
    const controller = new AbortController();
    const first = rotateKeys({
      driver: inner,
      keyring: duringRotation,
      to: "k2",
      concurrency: 2,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.changed === 5) controller.abort(new Error("stop"));
      },
    });
    const error = await first.then(() => undefined, (caught: unknown) => caught);
    expect(isStorageError(error, "Aborted"), String(error)).toBe(true);
    const midway = Object.values(await kids(inner));
    expect(midway.filter((kid) => kid === "k2").length).toBeGreaterThanOrEqual(5);
    expect(midway.filter((kid) => kid === "k1").length).toBeGreaterThan(0);
    await expectReadable(inner, duringRotation, contents);
    const second = await rotateKeys({ driver: inner, keyring: duringRotation, to: "k2" });
    expect(second.changed).toBe(midway.filter((kid) => kid === "k1").length);
    expect(second.skipped).toBe(midway.filter((kid) => kid === "k2").length);
    expect(Object.values(await kids(inner)).every((kid) => kid === "k2")).toBe(true);
    await expectReadable(inner, afterRotation, contents);
  });

  it("a write between the read and the copy wins: the new object stays readable and is rotated on retry", async () => {
    const inner = make();
    const contents = await seed(inner, 3);
    const counted = instrumented(inner);
    const writer = encrypted(inner, beforeRotation);
    const fresh = pattern(2 * S + 3, 99);
    let wrote = 0;
    counted.hooks.beforeCopy = async (from) => {
      if (from === "objects/001" && wrote++ === 0) {
        await writer.put(from, fresh, { contentType: "application/x-test", metadata: { index: "1" }, cacheControl: "max-age=60" });
      }
    };
    const result = await rotateKeys({ driver: counted.driver, keyring: duringRotation, to: "k2", concurrency: 1 });
    expect(result).toMatchObject({ changed: 3, failed: 0 });
    contents.set("objects/001", fresh);
    expect(Object.values(await kids(inner))).toEqual(["k2", "k2", "k2"]);
    await expectReadable(inner, afterRotation, contents);
  });
});

describe("rotateKeys refusals and costs", () => {
  it("refuses a driver that cannot pin its copies, unless unconditional", async () => {
    const inner = memoryDriver();
    const contents = await seed(inner, 2);
    const unpinned = instrumented(inner, { copyIfMatch: false });
    const error = await rotateKeys({ driver: unpinned.driver, keyring: duringRotation, to: "k2" }).catch((caught: unknown) => caught);
    expect(isStorageError(error, "Unsupported")).toBe(true);
    expect((error as Error).message).toMatch(/copyIfMatch.*unconditional: true/s);
    let pinned: string | undefined = "unset";
    unpinned.hooks.beforeCopy = (_from, _to, options) => void (pinned = options.ifMatch);
    const result = await rotateKeys({ driver: unpinned.driver, keyring: duringRotation, to: "k2", unconditional: true });
    expect(result.changed).toBe(2);
    expect(pinned).toBeUndefined();
    await expectReadable(inner, afterRotation, contents);
  });

  it("refuses a target key that is not in the keyring", async () => {
    const error = await rotateKeys({ driver: memoryDriver(), keyring: beforeRotation, to: "k3" }).catch((caught: unknown) => caught);
    expect(isStorageError(error, "PermissionDenied")).toBe(true);
  });

  it("counts the bytes a driver without server-side copy streams (the R2 binding)", async () => {
    const inner = memoryDriver();
    await seed(inner, 3);
    const stored = (await inner.list({ prefix: "", limit: 1000 })).objects.reduce((sum, object) => sum + object.size, 0);
    const streaming = instrumented(inner, { serverSideCopy: false });
    const result = await rotateKeys({ driver: streaming.driver, keyring: duringRotation, to: "k2" });
    expect(result.bodyBytes).toBe(2 * stored);
  });

  it("skips plaintext objects and counts an object under an unknown key as failed", async () => {
    const inner = memoryDriver();
    await seed(inner, 2);
    await inner.put("plain", new Uint8Array([1, 2, 3]), { contentType: "text/plain", metadata: {} });
    const foreign = instrumented(inner);
    const rotated = await rotateKeys({ driver: foreign.driver, keyring: duringRotation, to: "k2", prefix: "objects/" });
    expect(rotated.changed).toBe(2);
    const result = await rotateKeys({ driver: inner, keyring: afterRotation, to: "k2" });
    expect(result).toMatchObject({ scanned: 3, skipped: 3, failed: 0 });
    await encrypted(inner, beforeRotation).put("objects/late", new Uint8Array(4));
    const missing = await rotateKeys({ driver: inner, keyring: afterRotation, to: "k2" });
    expect(missing).toMatchObject({ failed: 1, skipped: 3 });
    expect(isStorageError(missing.failures[0]!.error, "PermissionDenied")).toBe(true);
  });
});
