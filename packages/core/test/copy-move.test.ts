import { describe, expect, it } from "vitest";
import { createStorage, isStorageError, type StorageDriver } from "@stowage/core";
import { codeOf } from "./error-code.ts";
import { copyingMapDriver, mapDriver } from "./map-driver.ts";

describe("copy in core", () => {
  it("is Unsupported on a driver without copy, pointing at copyBetween", async () => {
    const storage = createStorage(mapDriver());
    await storage.put("a", "x");
    expect(await codeOf(storage.copy("a", "b"))).toBe("Unsupported");
    await expect(storage.copy("a", "b")).rejects.toThrow(/copyBetween/);
    expect(await codeOf(storage.move("a", "b"))).toBe("Unsupported");
    expect(await codeOf(storage.updateMetadata("a", { metadata: { x: "1" } }))).toBe("Unsupported");
  });

  it("refuses options the driver cannot honour before it runs", async () => {
    const driver = copyingMapDriver();
    const storage = createStorage({ ...driver, capabilities: { ...driver.capabilities, copyIfMatch: false, copyIfNotExists: false } });
    await storage.put("a", "x");
    expect(await codeOf(storage.copy("a", "b", { ifNotExists: true }))).toBe("Unsupported");
    expect(await codeOf(storage.copy("a", "b", { ifMatch: "v1" }))).toBe("Unsupported");
    expect(await storage.exists("b")).toBe(false);
  });

  it("refuses a copy onto itself that changes nothing, and misspelt options", async () => {
    const storage = createStorage(copyingMapDriver());
    await storage.put("a", "x");
    expect(await codeOf(storage.copy("a", "a"))).toBe("InvalidArgument");
    expect(await codeOf(storage.copy("a", "a", { metadata: { x: "1" }, ifNotExists: true }))).toBe("InvalidArgument");
    expect(await codeOf(storage.copy("a", "b", { contentTyp: "text/plain" } as never))).toBe("InvalidArgument");
    expect(await codeOf(storage.updateMetadata("a", {}))).toBe("InvalidArgument");
    expect(await codeOf(storage.copy("a", "b", { metadata: { "Bad Key": "x" } }))).toBe("InvalidArgument");
  });

  it("replaces only the fields given, pinned to the etag it read", async () => {
    const driver = copyingMapDriver();
    const calls: unknown[] = [];
    const copy = driver.copy!.bind(driver);
    const storage = createStorage({ ...driver, copy: (from, to, options) => (calls.push(options), copy(from, to, options)) } as StorageDriver);
    const source = await storage.put("a", "x", { contentType: "text/plain", metadata: { keep: "1" } });
    const info = await storage.updateMetadata("a", { metadata: { changed: "2" } });
    expect(info.contentType).toBe("text/plain");
    expect(info.metadata).toEqual({ changed: "2" });
    expect(calls[0]).toMatchObject({ ifMatch: source.etag, replace: { contentType: "text/plain", metadata: { changed: "2" } } });
    expect(await codeOf(storage.updateMetadata("a", { contentType: "text/csv" }, { ifMatch: "stale" }))).toBe("PreconditionFailed");
    expect(await codeOf(storage.copy("missing", "b", { contentType: "text/csv" }))).toBe("NotFound");
  });
});

describe("move in core (copy, then a conditional delete)", () => {
  it("deletes the source at the etag it copied", async () => {
    const driver = copyingMapDriver();
    const storage = createStorage(driver);
    const source = await storage.put("a", "x");
    await storage.move("a", "b");
    expect(driver.deletes).toEqual([{ keys: ["a"], ifMatch: source.etag }]);
    expect(driver.keys()).toEqual(["b"]);
  });

  it("an overwrite of the source during the copy is reported, and the newer source stays", async () => {
    const driver = copyingMapDriver();
    const copy = driver.copy!.bind(driver);
    let storage!: ReturnType<typeof createStorage>;
    const racing: StorageDriver = {
      ...driver,
      async copy(from, to, options) {
        const info = await copy(from, to, options);
        await storage.put(from, "newer");
        return info;
      },
    };
    storage = createStorage(racing);
    await storage.put("a", "older");
    const error = await storage.move("a", "b").catch((caught: unknown) => caught);
    expect(isStorageError(error) && error.code).toBe("PreconditionFailed");
    expect((error as Error).message).toContain("left in place");
    expect(await (await storage.get("a"))!.text()).toBe("newer");
    expect(await (await storage.get("b"))!.text()).toBe("older");
  });

  it("is Unsupported without deleteIfMatch, even when copy works", async () => {
    const driver = copyingMapDriver();
    const storage = createStorage({ ...driver, capabilities: { ...driver.capabilities, deleteIfMatch: false } });
    await storage.put("a", "x");
    expect(await codeOf(storage.move("a", "b"))).toBe("Unsupported");
    expect(await storage.exists("a")).toBe(true);
    expect(await storage.exists("b")).toBe(false);
  });

  it("uses the driver's own move when it has one", async () => {
    const driver = copyingMapDriver();
    const moves: string[] = [];
    const storage = createStorage({
      ...driver,
      capabilities: { ...driver.capabilities, deleteIfMatch: false },
      async move(from, to) {
        moves.push(`${from}->${to}`);
        return driver.copy!(from, to, {});
      },
    } as StorageDriver);
    await storage.put("a", "x");
    await storage.move("a", "b");
    expect(moves).toEqual(["a->b"]);
    expect(await codeOf(storage.move("a", "a"))).toBe("InvalidArgument");
  });
});

describe("delete with ifMatch in core", () => {
  it("takes one key only and needs deleteIfMatch", async () => {
    const storage = createStorage(copyingMapDriver());
    await storage.put("a", "x");
    expect(await codeOf(storage.delete(["a", "b"], { ifMatch: "v1" }))).toBe("InvalidArgument");
    expect(await codeOf(createStorage(mapDriver()).delete("a", { ifMatch: "v1" }))).toBe("Unsupported");
  });
});
