import { constants } from "node:fs";
import { readdir } from "node:fs/promises";
import { createStorage, type Storage } from "@stowage/core";
import { fsDriver, type FsDriver } from "@stowage/fs";
import { blockingCalls, threadPoolCalls } from "../src/fs-calls.js";
import { forceConfinementForTesting } from "../src/root-directory.js";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { codeOf, patternBytes, sha256, storedHash } from "./copy-tools.js";
import { leftoverFiles, removeRoot, tempRoot } from "./temp-root.js";

/** Counts the body bytes that pass through this process: every read and write of the driver's file calls. */
function countBytes() {
  const counted = { read: 0, written: 0, largestRead: 0, copyFileModes: [] as number[] };
  for (const calls of [threadPoolCalls, blockingCalls]) {
    const read = calls.read;
    vi.spyOn(calls, "read").mockImplementation(((...args: Parameters<typeof read>) => {
      counted.largestRead = Math.max(counted.largestRead, args[3]);
      const result = read(...args);
      if (typeof result === "number") counted.read += result;
      else return result.then((bytes) => ((counted.read += bytes), bytes));
      return result;
    }) as typeof read);
  }
  const writev = threadPoolCalls.writev;
  vi.spyOn(threadPoolCalls, "writev").mockImplementation(async (...args) => {
    const bytes = await writev(...args);
    counted.written += bytes;
    return bytes;
  });
  const copyFile = threadPoolCalls.copyFile;
  vi.spyOn(threadPoolCalls, "copyFile").mockImplementation(async (source, target, mode) => {
    counted.copyFileModes.push(mode);
    return copyFile(source, target, mode);
  });
  return counted;
}

describe.each([true, false])("copy (blocking: %s)", (blocking) => {
  let root: string;
  let driver: FsDriver;
  let storage: Storage;
  beforeAll(async () => {
    root = await tempRoot("copy");
    driver = fsDriver({ root, blocking });
    storage = createStorage(driver);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    expect(await leftoverFiles(root)).toEqual([]);
  });
  afterAll(async () => {
    await driver.close();
    await removeRoot(root);
  });

  it("claims copy, serverSideCopy, copyIfMatch and copyIfNotExists", () => {
    const { copy, serverSideCopy, copyIfMatch, copyIfNotExists } = driver.capabilities;
    expect({ copy, serverSideCopy, copyIfMatch, copyIfNotExists }).toEqual({ copy: true, serverSideCopy: true, copyIfMatch: true, copyIfNotExists: true });
  });

  it("keeps bytes and fields, gives the target a fresh etag and time, and leaves the source as it was", async () => {
    const body = patternBytes(300_000, 1);
    const source = await storage.put("src/a.bin", body, {
      contentType: "application/x-test",
      cacheControl: "max-age=60",
      contentDisposition: "attachment",
      contentEncoding: "identity",
      metadata: { colour: "blue", n: "1" },
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const copied = await storage.copy("src/a.bin", "deeper/dir/tree/a-copy-with-a-longer-name.bin");
    expect(copied.etag).not.toBe(source.etag);
    expect(copied.lastModified.getTime()).toBeGreaterThan(source.lastModified.getTime());
    const target = await storage.get("deeper/dir/tree/a-copy-with-a-longer-name.bin");
    expect(target).toMatchObject({
      key: "deeper/dir/tree/a-copy-with-a-longer-name.bin",
      size: body.byteLength,
      etag: copied.etag,
      contentType: "application/x-test",
      cacheControl: "max-age=60",
      contentDisposition: "attachment",
      contentEncoding: "identity",
      metadata: { colour: "blue", n: "1" },
    });
    expect(sha256(await target!.bytes())).toBe(sha256(body));
    expect(await storage.head("src/a.bin")).toEqual(source);
    // Listing reads the key from the path and the rest from the new header.
    const listed = await storage.list({ prefix: "deeper/" });
    expect(listed.objects.map((object) => [object.key, object.etag])).toEqual([["deeper/dir/tree/a-copy-with-a-longer-name.bin", copied.etag]]);
  });

  it("replaces the fields it is given; updateMetadata rewrites a key in place and keeps its bytes", async () => {
    await storage.put("fields", "body", { contentType: "text/plain", cacheControl: "no-store", metadata: { a: "1" } });
    const copied = await storage.copy("fields", "fields-2", { contentType: "text/html", metadata: { b: "2" } });
    expect(copied).toMatchObject({ contentType: "text/html", cacheControl: "no-store", metadata: { b: "2" } });
    expect(await storage.head("fields-2")).toMatchObject({ contentType: "text/html", cacheControl: "no-store", metadata: { b: "2" } });
    const before = await storage.head("fields");
    const updated = await storage.updateMetadata("fields", { metadata: { c: "3" } });
    expect(updated.etag).not.toBe(before!.etag);
    const after = await storage.get("fields");
    expect(after).toMatchObject({ contentType: "text/plain", cacheControl: "no-store", metadata: { c: "3" }, etag: updated.etag });
    expect(await after!.text()).toBe("body");
  });

  it("conditions: a stale ifMatch, an existing target with ifNotExists and a missing source change nothing", async () => {
    const old = await storage.put("cond/src", "one");
    await storage.put("cond/src", "two");
    await storage.put("cond/dst", "kept");
    expect(await codeOf(storage.copy("cond/src", "cond/new", { ifMatch: old.etag }))).toBe("PreconditionFailed");
    expect(await storage.exists("cond/new")).toBe(false);
    expect(await codeOf(storage.copy("cond/src", "cond/dst", { ifNotExists: true }))).toBe("AlreadyExists");
    expect(await codeOf(storage.copy("cond/missing", "cond/dst"))).toBe("NotFound");
    expect(await (await storage.get("cond/dst"))!.text()).toBe("kept");
    const current = await storage.head("cond/src");
    await storage.copy("cond/src", "cond/new", { ifMatch: current!.etag });
    expect(await (await storage.get("cond/new"))!.text()).toBe("two");
  });

  it("does not read the body into this process: one kernel copy (FICLONE), a header's worth of reads and writes", async () => {
    const body = patternBytes(4 * 1024 * 1024, 2);
    await storage.put("big/source", body);
    const counted = countBytes();
    await storage.copy("big/source", "big/target-under-a-somewhat-longer-key");
    vi.restoreAllMocks();
    expect(counted.copyFileModes).toEqual([constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE]);
    expect(counted.read).toBeLessThanOrEqual(64 * 1024);
    expect(counted.written).toBeLessThanOrEqual(4096);
    expect(await storedHash(storage, "big/target-under-a-somewhat-longer-key")).toBe(sha256(body));
  });

  it("a header that no longer fits (much more metadata) is copied in bounded chunks, and keeps the bytes", async () => {
    const body = patternBytes(3 * 1024 * 1024 + 17, 3);
    await storage.put("grow/source", body, { metadata: { small: "x" } });
    const counted = countBytes();
    const metadata = { big: "v".repeat(1500) };
    await storage.copy("grow/source", "grow/target", { metadata });
    vi.restoreAllMocks();
    expect(counted.copyFileModes).toEqual([]);
    expect(counted.read).toBeGreaterThanOrEqual(body.byteLength);
    expect(counted.largestRead).toBeLessThanOrEqual(1024 * 1024);
    const target = await storage.get("grow/target");
    expect(target!.metadata).toEqual(metadata);
    expect(sha256(await target!.bytes())).toBe(sha256(body));
  });

  it("20 MiB keeps its bytes, by clone and by the chunked path", async () => {
    const body = patternBytes(20 * 1024 * 1024, 4);
    await storage.put("huge/source", body);
    await storage.copy("huge/source", "huge/cloned");
    await storage.copy("huge/source", "huge/chunked", { metadata: { pad: "p".repeat(1800) } });
    expect(await storedHash(storage, "huge/cloned")).toBe(sha256(body));
    expect(await storedHash(storage, "huge/chunked")).toBe(sha256(body));
    await storage.delete(["huge/source", "huge/cloned", "huge/chunked"]);
  });

  it.each(["clone", "chunked"] as const)("aborted mid-copy (%s), it gives Aborted and leaves the old target and no temporary file", async (path) => {
    await storage.put("abort/source", patternBytes(3 * 1024 * 1024, 5));
    await storage.put("abort/target", "old");
    const controller = new AbortController();
    if (path === "clone") {
      const copyFile = threadPoolCalls.copyFile;
      vi.spyOn(threadPoolCalls, "copyFile").mockImplementation(async (...args) => {
        controller.abort();
        return copyFile(...args);
      });
    } else {
      let reads = 0;
      const read = threadPoolCalls.read;
      vi.spyOn(threadPoolCalls, "read").mockImplementation(async (...args) => {
        // The second chunk of the body: the first is already written.
        if (args[3] === 1024 * 1024 && ++reads === 2) controller.abort();
        return read(...args);
      });
    }
    const options = path === "clone" ? { signal: controller.signal } : { signal: controller.signal, metadata: { pad: "p".repeat(1800) } };
    expect(await codeOf(storage.copy("abort/source", "abort/target", options))).toBe("Aborted");
    expect(controller.signal.aborted).toBe(true);
    expect(await (await storage.get("abort/target"))!.text()).toBe("old");
    expect((await readdir(`${root}/abort%`)).sort()).toEqual(["source", "target"]);
  });

  it("of 16 concurrent ifNotExists copies onto one key, through two drivers, exactly one wins", async () => {
    const other = createStorage(fsDriver({ root, blocking: !blocking }));
    for (let round = 0; round < 5; round++) {
      for (let index = 0; index < 16; index++) await storage.put(`race/${round}/source-${index}`, `source ${index}`);
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, index) =>
          codeOf((index % 2 === 0 ? storage : other).copy(`race/${round}/source-${index}`, `race/${round}/target`, { ifNotExists: true })),
        ),
      );
      expect(results.filter((result) => result === "ok")).toHaveLength(1);
      expect(results.filter((result) => result === "AlreadyExists")).toHaveLength(15);
      expect(await (await storage.get(`race/${round}/target`))!.text()).toBe(`source ${results.indexOf("ok")}`);
    }
  });

  it("with ifMatch, the copy holds the very version checked even when the source is replaced before the clone", async () => {
    const checked = await storage.put("pinned/source", "checked version");
    const copyFile = threadPoolCalls.copyFile;
    vi.spyOn(threadPoolCalls, "copyFile").mockImplementation(async (...args) => {
      vi.restoreAllMocks();
      await storage.put("pinned/source", "a newer version");
      return copyFile(...args);
    });
    const copied = await storage.copy("pinned/source", "pinned/target", { ifMatch: checked.etag });
    expect(await (await storage.get("pinned/target"))!.text()).toBe("checked version");
    expect(copied.size).toBe("checked version".length);
    expect(await (await storage.get("pinned/source"))!.text()).toBe("a newer version");
  });

  it("copies with the durable option (fsync of the file and its directory)", async () => {
    const durable = createStorage(fsDriver({ root, blocking, durable: true }));
    await durable.put("durable/source", "kept");
    const fsync = vi.spyOn(threadPoolCalls, "fsync");
    await durable.copy("durable/source", "durable/target");
    expect(fsync.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(await (await durable.get("durable/target"))!.text()).toBe("kept");
  });
});

describe("copy in the path confinement (no /proc: the source is cloned by name, then checked)", () => {
  let root: string;
  let storage: Storage;
  beforeAll(async () => {
    forceConfinementForTesting("path");
    root = await tempRoot("copy-path");
    const driver = fsDriver({ root });
    await driver.ready;
    forceConfinementForTesting(undefined);
    expect(driver.raw.confinement).toBe("path");
    storage = createStorage(driver);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    expect(await leftoverFiles(root)).toEqual([]);
  });
  afterAll(() => removeRoot(root));

  it("copies, and a source replaced between the check and the clone is noticed: retried without ifMatch, PreconditionFailed with it", async () => {
    const body = patternBytes(1024 * 1024, 6);
    const first = await storage.put("p/source", body);
    await storage.copy("p/source", "p/plain");
    expect(await storedHash(storage, "p/plain")).toBe(sha256(body));
    const replaceOnce = () => {
      const copyFile = threadPoolCalls.copyFile;
      vi.spyOn(threadPoolCalls, "copyFile").mockImplementation(async (...args) => {
        vi.restoreAllMocks();
        await storage.put("p/source", "replaced");
        return copyFile(...args);
      });
    };
    replaceOnce();
    expect(await codeOf(storage.copy("p/source", "p/pinned", { ifMatch: first.etag }))).toBe("PreconditionFailed");
    expect(await storage.exists("p/pinned")).toBe(false);
    await storage.put("p/source", body);
    replaceOnce();
    await storage.copy("p/source", "p/retried");
    expect(await (await storage.get("p/retried"))!.text()).toBe("replaced");
  });
});
