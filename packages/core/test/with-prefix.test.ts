import { describe, expect, it } from "vitest";
import { createStorage, isStorageError, withPrefix, type StorageError } from "@stowage/core";
import { copyingMapDriver, mapDriver } from "./map-driver.js";
import { multipartMapDriver } from "./multipart-map-driver.ts";
import { allCapabilities, objectInfo, spyDriver } from "./spy-driver.js";

async function rejection(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    expect(isStorageError(error), String(error)).toBe(true);
    return error as StorageError;
  }
  throw new Error("expected a rejection");
}

describe("withPrefix", () => {
  it("scopes copy, move, a conditional delete and startAfter", async () => {
    const inner = copyingMapDriver();
    const storage = createStorage(withPrefix(inner, "tenant/"));
    await storage.put("a", "x");
    await storage.put("c", "y");
    expect((await storage.copy("a", "b")).key).toBe("b");
    expect((await storage.move("b", "d/e")).key).toBe("d/e");
    expect(inner.keys()).toEqual(["tenant/a", "tenant/c", "tenant/d/e"]);
    const page = await storage.list({ startAfter: "a", delimiter: "/" });
    expect([...page.objects.map((object) => object.key), ...page.prefixes]).toEqual(["c", "d/"]);
    expect((await storage.list({ startAfter: "c" })).objects.map((object) => object.key)).toEqual(["d/e"]);
    const stale = await rejection(storage.delete("a", { ifMatch: "stale" }));
    expect(stale.code).toBe("PreconditionFailed");
    expect(inner.deletes.at(-1)).toEqual({ keys: ["tenant/a"], ifMatch: "stale" });
  });

  it("scopes keys on the way in and strips them on the way out", async () => {
    const inner = mapDriver();
    const storage = createStorage(withPrefix(inner, "tenant/"));
    const info = await storage.put("a/b.txt", "x");
    expect(info.key).toBe("a/b.txt");
    expect(inner.keys()).toEqual(["tenant/a/b.txt"]);
    expect((await storage.head("a/b.txt"))?.key).toBe("a/b.txt");
    const object = await storage.get("a/b.txt");
    expect(object?.key).toBe("a/b.txt");
    expect(await object?.text()).toBe("x");
    await storage.delete(["a/b.txt", "missing"]);
    expect(inner.keys()).toEqual([]);
  });

  it("sees only its own keys, and lists them without the prefix", async () => {
    const inner = mapDriver();
    const raw = createStorage(inner);
    for (const key of ["tenant/a", "tenant/d/1", "tenant/d/2", "tenant-2/a", "other/x", "tenant"]) await raw.put(key, "x");
    const storage = createStorage(withPrefix(inner, "tenant/"));
    const page = await storage.list({ delimiter: "/" });
    expect(page.objects.map((object) => object.key)).toEqual(["a"]);
    expect(page.prefixes).toEqual(["d/"]);
    const under = await storage.list({ prefix: "d/" });
    expect(under.objects.map((object) => object.key)).toEqual(["d/1", "d/2"]);
    expect(await storage.head("a")).not.toBeNull();
    expect(await storage.get("../other/x").catch((error: StorageError) => error.code)).toBe("InvalidKey");
  });

  it("hands out cursors without the prefix that resume exactly", async () => {
    const inner = mapDriver();
    const storage = createStorage(withPrefix(inner, "secret-tenant/"));
    const keys = ["a", "b", "c/1", "c/2", "d", "e"];
    for (const key of keys) await storage.put(key, "x");
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await storage.list(cursor === undefined ? { limit: 2 } : { limit: 2, cursor });
      seen.push(...page.objects.map((object) => object.key));
      cursor = page.cursor;
      if (cursor !== undefined) expect(cursor).not.toContain("secret-tenant/");
    } while (cursor !== undefined);
    expect(seen).toEqual(keys);
  });

  it("keeps a cursor from one scope inside another scope", async () => {
    const inner = mapDriver();
    const raw = createStorage(inner);
    for (const key of ["a/1", "a/2", "a/3", "b/1", "b/2"]) await raw.put(key, "x");
    const scopeA = createStorage(withPrefix(inner, "a/"));
    const scopeB = createStorage(withPrefix(inner, "b/"));
    const first = await scopeA.list({ limit: 1 });
    expect(first.cursor).toBeDefined();
    const crossed = await scopeB.list({ cursor: first.cursor! });
    for (const object of crossed.objects) expect(["1", "2"]).toContain(object.key);
    const forged = await scopeB.list({ cursor: "-.a/0" }).catch((error: StorageError) => error);
    if (!isStorageError(forged)) for (const object of forged.objects) expect(["1", "2"]).toContain(object.key);
    expect((await rejection(scopeB.list({ cursor: "garbage" }))).code).toBe("InvalidArgument");
    expect((await rejection(scopeB.list({ cursor: "99.x" }))).code).toBe("InvalidArgument");
  });

  it("refuses a key that is too long once prefixed, with InvalidKey before the driver runs", async () => {
    const spy = spyDriver({ capabilities: allCapabilities, signing: true });
    const storage = createStorage(withPrefix(spy, "tenant/"));
    const longest = "k".repeat(1024 - "tenant/".length);
    await storage.put(longest, "x");
    expect(spy.calls[0]!.key).toBe(`tenant/${longest}`);
    for (const call of [
      () => storage.put(`${longest}k`, "x"),
      () => storage.get(`${longest}k`),
      () => storage.head(`${longest}k`),
      () => storage.delete(`${longest}k`),
      () => storage.signPut(`${longest}k`),
      () => storage.signGet(`${longest}k`),
    ]) {
      const error = await rejection(call());
      expect(error.code).toBe("InvalidKey");
      expect(error.key).toBe(`${longest}k`);
    }
    expect(spy.calls.length).toBe(1);
  });

  it("scopes signed keys, and offers signing only when the inner driver does", async () => {
    const spy = spyDriver({ capabilities: allCapabilities, signing: true });
    const storage = createStorage(withPrefix(spy, "t/"));
    await storage.signPut("up.bin", { maxSize: 10 });
    await storage.signGet("down.bin");
    expect(spy.calls.map((call) => [call.method, call.key])).toEqual([
      ["signPut", "t/up.bin"],
      ["signGet", "t/down.bin"],
    ]);
    const unsigned = withPrefix(spyDriver(), "t/");
    expect(unsigned.signPut).toBeUndefined();
    expect(unsigned.signGet).toBeUndefined();
  });

  it("passes the inner driver's name, capabilities and raw through", () => {
    const spy = spyDriver({ name: "inner", capabilities: { rangeRead: true } });
    const layered = withPrefix(spy, "p-");
    expect(layered.name).toBe("inner");
    expect(layered.capabilities).toBe(spy.capabilities);
    expect(layered.raw).toBe(spy.raw);
  });

  it("strips the prefix from list results of a driver", async () => {
    const spy = spyDriver({
      listPage: { objects: [objectInfo("p/q/a")], prefixes: ["p/q/d/"], cursor: "k:p/q/a" },
    });
    const page = await createStorage(withPrefix(spy, "p/")).list({ prefix: "q/" });
    expect(spy.calls[0]!.options).toMatchObject({ prefix: "p/q/" });
    expect(page.objects.map((object) => object.key)).toEqual(["q/a"]);
    expect(page.prefixes).toEqual(["q/d/"]);
    expect(page.cursor).not.toContain("p/q");
    await createStorage(withPrefix(spy, "p/")).list({ cursor: page.cursor! });
    expect(spy.calls[1]!.options).toMatchObject({ cursor: "k:p/q/a" });
  });

  it.each(["", "/a/", "a//", "../", "a\u0000/", 7])("refuses the prefix %j", (prefix) => {
    let thrown: unknown;
    try {
      withPrefix(spyDriver(), prefix as string);
    } catch (error) {
      thrown = error;
    }
    expect(isStorageError(thrown, "InvalidArgument")).toBe(true);
  });
});

describe("withPrefix and upload sessions", () => {
  it("scopes every upload method and strips the prefix from what comes back", async () => {
    const inner = multipartMapDriver();
    const storage = createStorage(withPrefix(inner, "tenant/"));
    const session = await storage.uploads.create("big", { size: 3, partSize: 3 });
    expect(session.key).toBe("big");
    await storage.uploads.signParts(session, [1]);
    inner.stagePart(session.uploadId, 1, new Uint8Array([1, 2, 3]));
    expect((await storage.uploads.list()).map((upload) => upload.key)).toEqual(["big"]);
    expect((await inner.listUploads!({ prefix: "" })).map((upload) => upload.key)).toEqual(["tenant/big"]);
    const info = await storage.uploads.complete(session, [{ partNumber: 1, etag: '"p1-3"' }]);
    expect(info.key).toBe("big");
    expect(inner.keys()).toEqual(["tenant/big"]);
  });
});
