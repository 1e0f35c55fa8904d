import { join } from "node:path";
import { createStorage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { namesIn, removeRoot, tempRoot } from "./temp-root.js";

// The driver fsyncs through fs.fsync on plain descriptors: count those calls.
const syncSpy = vi.hoisted(() => ({ mock: { calls: [] as unknown[][] }, mockClear() { this.mock.calls.length = 0; } }));
vi.mock("node:fs", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:fs")>();
  const fsync = ((descriptor: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    syncSpy.mock.calls.push([descriptor]);
    return original.fsync(descriptor, callback);
  }) as typeof original.fsync;
  return { ...original, default: { ...original, fsync }, fsync };
});

describe("durable mode", () => {
  let root: string;
  beforeEach(async () => {
    root = await tempRoot("durable");
  });
  afterEach(async () => {
    await removeRoot(root);
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
