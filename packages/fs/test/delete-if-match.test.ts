import { createStorage, isStorageError, type Storage } from "@stowage/core";
import { fsDriver, type FsDriver } from "@stowage/fs";
import { threadPoolCalls } from "../src/fs-calls.js";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { leftoverFiles, removeRoot, tempRoot } from "./temp-root.js";

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (isStorageError(error)) return error.code;
    throw error;
  }
}

describe("delete with ifMatch", () => {
  let root: string;
  let driver: FsDriver;
  let storage: Storage;
  beforeAll(async () => {
    root = await tempRoot("delete-if-match");
    driver = fsDriver({ root });
    storage = createStorage(driver);
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    await driver.close();
    await removeRoot(root);
  });

  it("claims deleteIfMatch", () => {
    expect(driver.capabilities.deleteIfMatch).toBe(true);
  });

  it("deletes only at the current etag; a stale or missing one gives PreconditionFailed; the directories left empty are removed", async () => {
    const old = await storage.put("d/e/k", "one");
    const current = await storage.put("d/e/k", "two");
    expect(await codeOf(storage.delete("d/e/k", { ifMatch: old.etag }))).toBe("PreconditionFailed");
    expect(await (await storage.get("d/e/k"))!.text()).toBe("two");
    await storage.delete("d/e/k", { ifMatch: current.etag });
    expect(await storage.head("d/e/k")).toBeNull();
    expect(await codeOf(storage.delete("d/e/k", { ifMatch: current.etag }))).toBe("PreconditionFailed");
    expect(await codeOf(storage.delete("nowhere/k", { ifMatch: current.etag }))).toBe("PreconditionFailed");
    expect((await storage.list({})).prefixes).toEqual([]);
    expect(await leftoverFiles(root)).toEqual([]);
  });

  it("a plain put (which takes no lock) landing between the etag check and the unlink is kept, and the delete fails", async () => {
    // Every call through the thread pool, so the header read can be intercepted.
    const racing = createStorage(fsDriver({ root, blocking: false }));
    const checked = await racing.put("race", "checked");
    const other = createStorage(fsDriver({ root }));
    let newer: string | undefined;
    // After the delete has checked the header, just before it takes the file
    // away (its first rename), another driver overwrites the key.
    const rename = threadPoolCalls.rename;
    vi.spyOn(threadPoolCalls, "rename").mockImplementation(async (...args) => {
      if (newer === undefined) {
        newer = "pending";
        newer = (await other.put("race", "newer")).etag;
      }
      return rename(...args);
    });
    expect(await codeOf(racing.delete("race", { ifMatch: checked.etag }))).toBe("PreconditionFailed");
    vi.restoreAllMocks();
    expect(newer).toMatch(/^[0-9a-f]{32}$/);
    const kept = await storage.get("race");
    expect(kept?.etag).toBe(newer);
    expect(await kept!.text()).toBe("newer");
    expect(await leftoverFiles(root)).toEqual([]);
  });
});
