import { describe, expect, it } from "vitest";
import { copyBetween, createStorage, isStorageError, type StorageDriver } from "@stowage/core";
import { copyingMapDriver, mapDriver } from "./map-driver.ts";

describe("copyBetween", () => {
  it("streams between two storages with the size, keeping type and metadata, reporting progress", async () => {
    const source = createStorage(mapDriver());
    const targetDriver = mapDriver();
    const seen: { size?: number; stream: boolean }[] = [];
    const target = createStorage({
      ...targetDriver,
      put: (key, body, options) => (seen.push({ size: options.size, stream: body instanceof ReadableStream }), targetDriver.put(key, body, options)),
    } as StorageDriver);
    const payload = new Uint8Array(300_000).map((_, index) => index % 251);
    await source.put("in", payload, { contentType: "image/png", metadata: { owner: "ann" } });
    const progress: number[] = [];
    const info = await copyBetween(source, "in", target, "out", { onProgress: ({ bytes, total }) => (expect(total).toBe(300_000), progress.push(bytes)) });
    expect(info).toMatchObject({ size: 300_000, contentType: "image/png", metadata: { owner: "ann" } });
    expect(seen).toEqual([{ size: 300_000, stream: true }]);
    expect(progress.at(-1)).toBe(300_000);
    expect(await (await target.get("out"))!.bytes()).toEqual(payload);
  });

  it("honours ifMatch and ifNotExists, and a missing source is NotFound", async () => {
    const source = createStorage(mapDriver());
    const target = createStorage(mapDriver());
    await source.put("in", "new");
    await target.put("out", "old");
    const code = async (run: Promise<unknown>) => run.then(() => "resolved", (error: unknown) => (isStorageError(error) ? error.code : "other"));
    expect(await code(copyBetween(source, "in", target, "out", { ifNotExists: true }))).toBe("Unsupported");
    expect(await code(copyBetween(source, "missing", target, "x"))).toBe("NotFound");
    expect(await code(copyBetween(source, "in", target, "x", { ifMatch: "nope" }))).toBe("Unsupported");
    expect(await (await target.get("out"))!.text()).toBe("old");
  });

  it("uses server-side copy within one storage that can copy", async () => {
    const driver = copyingMapDriver();
    let copies = 0;
    const copy = driver.copy!.bind(driver);
    const storage = createStorage({ ...driver, copy: (...args) => (copies++, copy(...args)) } as StorageDriver);
    await storage.put("a", "x");
    await copyBetween(storage, "a", storage, "b");
    expect(copies).toBe(1);
    expect(await (await storage.get("b"))!.text()).toBe("x");
  });

  it("a refused put releases the source stream", async () => {
    const sourceDriver = mapDriver();
    let cancelled = false;
    const source = createStorage({
      ...sourceDriver,
      async get(key, options) {
        const result = await sourceDriver.get(key, options);
        if (result === null) return null;
        const body = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(new Uint8Array(1)), cancel: () => void (cancelled = true) });
        return { ...result, body };
      },
    } as StorageDriver);
    await source.put("in", "x");
    const target = createStorage(mapDriver());
    await expect(copyBetween(source, "in", target, "bad//key")).rejects.toMatchObject({ code: "InvalidKey" });
    expect(cancelled).toBe(true);
  });
});
