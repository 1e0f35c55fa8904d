import { describe, expect, it } from "vitest";
import { createStorage, isStorageError, withPrefix, type DriverPutOptions } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";

const plain: DriverPutOptions = { contentType: "text/plain", metadata: {} };
const bytes = (text: string) => new TextEncoder().encode(text);

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(isStorageError(error), String(error)).toBe(true);
    return (error as { code: string }).code;
  }
  throw new Error("expected a rejection");
}

describe("memory copy", () => {
  it("shares the stored bytes (never changed in place) and gives the target a fresh etag", async () => {
    const driver = memoryDriver();
    const source = await driver.put("a", bytes("hello"), { ...plain, metadata: { m: "1" } });
    const copied = await driver.copy("a", "b", {});
    expect(driver.raw.entries.get("b")!.bytes).toBe(driver.raw.entries.get("a")!.bytes);
    expect(copied.etag).not.toBe(source.etag);
    expect(copied.metadata).toEqual({ m: "1" });
    // The bytes a get returns are the caller's own: changing them touches neither object.
    const read = (await driver.get("b", {}))!.body as Uint8Array;
    read.fill(0);
    expect(new TextDecoder().decode((await driver.get("a", {}))!.body as Uint8Array)).toBe("hello");
    expect(new TextDecoder().decode((await driver.get("b", {}))!.body as Uint8Array)).toBe("hello");
    // Metadata maps are not shared either.
    copied.metadata.m = "changed";
    expect((await driver.head("a", {}))!.metadata).toEqual({ m: "1" });
  });

  it("checks the signal, the source and the conditions before changing anything", async () => {
    const driver = memoryDriver();
    await driver.put("a", bytes("a"), plain);
    await driver.put("b", bytes("b"), plain);
    const controller = new AbortController();
    controller.abort();
    expect(await codeOf(driver.copy("a", "c", { signal: controller.signal }))).toBe("Aborted");
    expect(await codeOf(driver.copy("missing", "c", {}))).toBe("NotFound");
    expect(await codeOf(driver.copy("a", "c", { ifMatch: "nope" }))).toBe("PreconditionFailed");
    expect(await codeOf(driver.copy("a", "b", { ifNotExists: true }))).toBe("AlreadyExists");
    expect(await driver.head("c", {})).toBeNull();
    expect((await driver.list({ prefix: "", limit: 10 })).objects.map((object) => object.key)).toEqual(["a", "b"]);
  });
});

describe("memory move", () => {
  it("renames in one step, keeping the etag and lastModified, and updates the index", async () => {
    const driver = memoryDriver();
    const source = await driver.put("x/from", bytes("moving"), { ...plain, cacheControl: "no-store" });
    await driver.put("x/to", bytes("old"), plain);
    const moved = await driver.move("x/from", "x/to", {});
    expect(moved.etag).toBe(source.etag);
    expect(moved.lastModified.getTime()).toBe(source.lastModified.getTime());
    expect(moved.cacheControl).toBe("no-store");
    expect(await driver.head("x/from", {})).toBeNull();
    expect((await driver.list({ prefix: "x/", limit: 10 })).objects.map((object) => object.key)).toEqual(["x/to"]);
    expect(driver.raw.size).toBe(1);
  });

  it("refuses a missing source, a stale ifMatch and an existing target with ifNotExists, changing nothing", async () => {
    const driver = memoryDriver();
    await driver.put("a", bytes("a"), plain);
    await driver.put("b", bytes("b"), plain);
    expect(await codeOf(driver.move("missing", "c", {}))).toBe("NotFound");
    expect(await codeOf(driver.move("a", "c", { ifMatch: "stale" }))).toBe("PreconditionFailed");
    expect(await codeOf(driver.move("a", "b", { ifNotExists: true }))).toBe("AlreadyExists");
    expect((await driver.list({ prefix: "", limit: 10 })).objects.map((object) => object.key)).toEqual(["a", "b"]);
  });
});

describe("memory delete with ifMatch", () => {
  it("deletes nothing unless every key has the etag", async () => {
    const driver = memoryDriver();
    const a = await driver.put("a", bytes("a"), plain);
    expect(await codeOf(driver.delete(["a"], { ifMatch: "stale" }))).toBe("PreconditionFailed");
    expect(await codeOf(driver.delete(["missing"], { ifMatch: a.etag }))).toBe("PreconditionFailed");
    expect(await driver.head("a", {})).not.toBeNull();
    await driver.delete(["a"], { ifMatch: a.etag });
    expect(await driver.head("a", {})).toBeNull();
  });
});

describe("memory list startAfter", () => {
  const keys = ["a", "a/1", "a/2", "b", "b/1/x", "c"];
  async function filled() {
    const driver = memoryDriver();
    for (const key of keys) await driver.put(key, bytes(key), plain);
    return driver;
  }

  it("skips a common prefix at or before startAfter, and resumes by cursor after a prefix", async () => {
    const driver = await filled();
    const page = await driver.list({ prefix: "", delimiter: "/", startAfter: "a/1", limit: 2 });
    // a/2 rolls up into a/, which sorts before a/1: skipped whole.
    expect(page.objects.map((object) => object.key)).toEqual(["b"]);
    expect(page.prefixes).toEqual(["b/"]);
    const next = await driver.list({ prefix: "", delimiter: "/", cursor: page.cursor!, limit: 10 });
    expect(next.objects.map((object) => object.key)).toEqual(["c"]);
    expect(next.prefixes).toEqual([]);
  });

  it("works through withPrefix, and startAfter outside the listing's prefix", async () => {
    const storage = createStorage(withPrefix(await filled(), "a/"));
    expect((await storage.list({ startAfter: "1" })).objects.map((object) => object.key)).toEqual(["2"]);
    const driver = await filled();
    expect((await driver.list({ prefix: "b", startAfter: "a/9", limit: 10 })).objects.map((object) => object.key)).toEqual(["b", "b/1/x"]);
    expect((await driver.list({ prefix: "b", startAfter: "z", limit: 10 })).objects).toEqual([]);
  });
});
