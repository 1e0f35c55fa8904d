import { describe, expect, it } from "vitest";
import { createStorage, type StorageDriver } from "@stowage/core";
import { codeOf } from "./error-code.ts";
import { mapDriver } from "./map-driver.ts";

async function fill(driver: StorageDriver, keys: string[]): Promise<void> {
  const storage = createStorage(driver);
  for (const key of keys) await storage.put(key, "x");
}

describe("deletePrefix in core", () => {
  it("deletes every key under the prefix in 1000-key batches, nothing else", async () => {
    const driver = mapDriver();
    const keys = Array.from({ length: 2345 }, (_, index) => `p/${String(index).padStart(5, "0")}`);
    await fill(driver, [...keys, "p2/x", "q", "p"]);
    const batches: number[] = [];
    const storage = createStorage({ ...driver, delete: (batch, options) => (batches.push(batch.length), driver.delete(batch, options)) });
    const progress: number[] = [];
    const result = await storage.deletePrefix("p/", { onProgress: ({ deleted }) => progress.push(deleted) });
    expect(result.deleted).toBe(2345);
    expect(batches).toEqual([1000, 1000, 345]);
    expect(progress).toEqual([1000, 2000, 2345]);
    expect(driver.keys()).toEqual(["p", "p2/x", "q"]);
  });

  it("needs { all: true } for an empty prefix, and all takes no prefix", async () => {
    const driver = mapDriver();
    await fill(driver, ["a", "b"]);
    const storage = createStorage(driver);
    expect(await codeOf(storage.deletePrefix(""))).toBe("InvalidArgument");
    expect(await codeOf(storage.deletePrefix("a", { all: true }))).toBe("InvalidArgument");
    expect(await codeOf(storage.deletePrefix("a", { al: true } as never))).toBe("InvalidArgument");
    expect(driver.keys()).toEqual(["a", "b"]);
    expect((await storage.deletePrefix("", { all: true })).deleted).toBe(2);
    expect(driver.keys()).toEqual([]);
  });

  it("stops between batches when aborted, and a second call finishes", async () => {
    const driver = mapDriver();
    await fill(driver, Array.from({ length: 2500 }, (_, index) => `d/${String(index).padStart(4, "0")}`));
    const storage = createStorage(driver);
    const controller = new AbortController();
    const aborted = storage.deletePrefix("d/", { signal: controller.signal, onProgress: () => controller.abort() });
    expect(await codeOf(aborted)).toBe("Aborted");
    expect(driver.keys().length).toBe(1500);
    expect((await storage.deletePrefix("d/")).deleted).toBe(1500);
    expect(driver.keys()).toEqual([]);
  });
});
