import { open } from "node:fs/promises";
import { join } from "node:path";
import { createStorage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { namesIn, removeRoot, tempRoot } from "./temp-root.js";

describe("durable mode", () => {
  let root: string;
  let syncSpy: ReturnType<typeof vi.spyOn>;
  beforeEach(async () => {
    root = await tempRoot("durable");
    // FileHandle is not exported: take its prototype from an open handle.
    const handle = await open(join(root, "..", `${root.split("/").pop()}-probe`), "w");
    const prototype = Object.getPrototypeOf(handle) as { sync: () => Promise<void> };
    await handle.close();
    syncSpy = vi.spyOn(prototype, "sync");
  });
  afterEach(async () => {
    syncSpy.mockRestore();
    await removeRoot(root);
    await removeRoot(`${root}-probe`);
  });

  it("fsyncs the file and its directory on put and delete; the default mode does not", async () => {
    const durable = createStorage(fsDriver({ root: join(root, "durable"), durable: true, cleanupOnStart: false }));
    syncSpy.mockClear();
    await durable.put("a/b/c", "1");
    // file, directory, and the two directories the put created (their parents).
    expect(syncSpy.mock.calls.length).toBeGreaterThanOrEqual(4);
    syncSpy.mockClear();
    const info = await durable.put("a/b/c", "2", { ifMatch: (await durable.head("a/b/c"))!.etag });
    expect(info.size).toBe(1);
    expect(syncSpy.mock.calls.length).toBe(2);
    syncSpy.mockClear();
    await durable.put("a/b/d", "3", { ifNotExists: true });
    expect(syncSpy.mock.calls.length).toBe(2);
    syncSpy.mockClear();
    await durable.delete(["a/b/c", "a/b/d"]);
    expect(syncSpy.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(await namesIn(join(root, "durable"))).toEqual([]);

    const fast = createStorage(fsDriver({ root: join(root, "fast"), cleanupOnStart: false }));
    syncSpy.mockClear();
    await fast.put("a/b/c", "1");
    await fast.delete("a/b/c");
    expect(syncSpy.mock.calls.length).toBe(0);
  });
});
