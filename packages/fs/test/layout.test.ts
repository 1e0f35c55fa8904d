import { lstat, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createStorage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { leftoverFiles, namesIn, removeRoot, tempRoot } from "./temp-root.js";

// Records the directory each readdir reads. The driver names a directory it
// holds open as /proc/<pid>/fd/<n>: record the directory that descriptor is.
const calls = vi.hoisted(() => ({ readdir: [] as string[] }));
vi.mock("node:fs", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:fs")>();
  const record = (path: unknown) => {
    const text = String(path);
    calls.readdir.push(/^\/proc\/\d+\/fd\/\d+$/.test(text) ? original.readlinkSync(text) : text);
  };
  const readdirSyncSpy = ((path: string, options: never) => {
    record(path);
    return original.readdirSync(path, options);
  }) as typeof original.readdirSync;
  const readdirSpy = ((path: string, options: never, callback: never) => {
    record(path);
    return original.readdir(path, options, callback);
  }) as typeof original.readdir;
  const spies = { readdirSync: readdirSyncSpy, readdir: readdirSpy };
  return { ...original, default: { ...original, ...spies }, ...spies };
});

describe("layout on disk", () => {
  let root: string;
  beforeEach(async () => {
    root = await tempRoot("layout");
  });
  afterEach(() => removeRoot(root));

  it("a key and its directories coexist: a, a/b, a/b/c", async () => {
    const storage = createStorage(fsDriver({ root }));
    await storage.put("a", "1");
    await storage.put("a/b", "2");
    await storage.put("a/b/c", "3");
    expect((await namesIn(root)).sort()).toEqual(["a", "a%"]);
    expect((await readdir(join(root, "a%"))).sort()).toEqual(["b", "b%"]);
    expect(await readdir(join(root, "a%", "b%"))).toEqual(["c"]);
    expect(await (await storage.get("a"))!.text()).toBe("1");
    expect(await (await storage.get("a/b"))!.text()).toBe("2");
    expect(await (await storage.get("a/b/c"))!.text()).toBe("3");
    // The header is followed by the body itself, so the file ends with the bytes.
    expect((await readFile(join(root, "a%", "b%", "c"))).subarray(-1).toString()).toBe("3");
  });

  it("the etag is a per-put version token kept in the header: the same bytes put again get a new etag", async () => {
    const storage = createStorage(fsDriver({ root }));
    const etags = new Set<string>();
    for (const body of ["same", "same", "other", "same"]) {
      const info = await storage.put("k", body);
      expect(info.etag).toMatch(/^[0-9a-f]{32}$/);
      // Bytes 32-47 of the header hold the token; head and get read it back.
      expect((await readFile(join(root, "k"))).toString("hex", 32, 48)).toBe(info.etag);
      expect((await storage.head("k"))!.etag).toBe(info.etag);
      expect((await storage.get("k"))!.etag).toBe(info.etag);
      etags.add(info.etag);
    }
    expect(etags.size).toBe(4);
    // A streamed put gets its token too.
    const streamed = await storage.put("k", new Blob(["same"]).stream());
    expect(etags.has(streamed.etag)).toBe(false);
    expect((await storage.head("k"))!.etag).toBe(streamed.etag);
  });

  it("names stay readable; % and Windows-reserved characters are escaped", async () => {
    const storage = createStorage(fsDriver({ root }));
    await storage.put("photos/2024/cat 😀.jpg", "x");
    await storage.put('odd/100% <a>:b*"c"?|\\', "y");
    expect(await readdir(join(root, "photos%", "2024%"))).toEqual(["cat 😀.jpg"]);
    expect(await readdir(join(root, "odd%"))).toEqual(["100%25 %3Ca%3E%3Ab%2A%22c%22%3F%7C%5C"]);
  });

  it("segments up to 1024 bytes work (hashed names), and stay distinct and sorted", async () => {
    const storage = createStorage(fsDriver({ root }));
    const long = (tail: string) => "é".repeat(150) + tail; // 301 bytes of UTF-8: over the 200-byte plain-name limit
    const keys = [`${long("a")}/x`, `${long("b")}`, `${long("a")}`, `d/${"z".repeat(1000)}`, `${long("a")}/y/${long("c")}`];
    for (const key of keys) await storage.put(key, key.slice(-3));
    for (const key of keys) expect(await (await storage.get(key))!.text()).toBe(key.slice(-3));
    for (const name of await readdir(root)) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    const listed: string[] = [];
    for await (const info of storage.listAll()) listed.push(info.key);
    expect(listed).toEqual([`d/${"z".repeat(1000)}`, long("a"), `${long("a")}/x`, `${long("a")}/y/${long("c")}`, long("b")]);
    const top = await storage.list({ delimiter: "/" });
    expect(top.prefixes).toEqual(["d/", `${long("a")}/`]);
    expect(top.objects.map((info) => info.key)).toEqual([long("a"), long("b")]);
  });

  it("NFC and NFD forms are different keys and both round-trip", async () => {
    const storage = createStorage(fsDriver({ root }));
    const nfc = "caf\u00e9";
    const nfd = "cafe\u0301";
    await storage.put(nfc, "composed");
    await storage.put(nfd, "decomposed");
    expect(await (await storage.get(nfc))!.text()).toBe("composed");
    expect(await (await storage.get(nfd))!.text()).toBe("decomposed");
    expect((await storage.list()).objects.map((info) => info.key)).toEqual([nfd, nfc]);
  });

  it("the portable encoding escapes uppercase and non-ASCII, keeps keys apart, and sticks to its root", async () => {
    const storage = createStorage(fsDriver({ root, encoding: "portable" }));
    const keys = ["Photo/Cafe\u0301.JPG", "photo/caf\u00e9.jpg", "photo/Caf\u00e9.jpg", "a b/x~y"];
    for (const key of keys) await storage.put(key, key);
    for (const key of keys) expect(await (await storage.get(key))!.text()).toBe(key);
    expect((await namesIn(root)).sort()).toEqual(["%50hoto%", "a b%", "photo%"]);
    expect((await readdir(join(root, "photo%"))).sort()).toEqual(["%43af%C3%A9.jpg", "caf%C3%A9.jpg"]);
    const listed: string[] = [];
    for await (const info of storage.listAll()) listed.push(info.key);
    expect(listed).toEqual(["Photo/Cafe\u0301.JPG", "a b/x~y", "photo/Caf\u00e9.jpg", "photo/caf\u00e9.jpg"]);
    // A root keeps the encoding it was made with.
    const reopened = fsDriver({ root });
    await reopened.ready;
    expect(reopened.raw.encoding).toBe("portable");
    await expect(fsDriver({ root, encoding: "bytes" }).ready).rejects.toMatchObject({ code: "InvalidArgument" });
    // This machine's file system keeps names byte-exact, so "auto" picks "bytes" for a new root.
    const fresh = fsDriver({ root: join(root, "..", `${root.split("/").pop()}-auto`) });
    await fresh.ready;
    expect(fresh.raw.encoding).toBe("bytes");
    await removeRoot(fresh.root);
  });

  it("delete removes directories left empty, up to root, and keeps non-empty ones", async () => {
    const storage = createStorage(fsDriver({ root }));
    await storage.put("a/b/c/d", "1");
    await storage.put("a/x", "2");
    await storage.delete("a/b/c/d");
    expect(await readdir(join(root, "a%"))).toEqual(["x"]);
    await storage.delete("a/x");
    expect(await namesIn(root)).toEqual([]);
  });

  it("temporary files never show in list; start-up cleanup removes dead writers' files and locks, keeps live ones", async () => {
    const storage = createStorage(fsDriver({ root, cleanupOnStart: false }));
    await storage.put("dir/key", "value");
    const directory = join(root, "dir%");
    const hostTagOf = (name: string) => name.split("-")[1];
    // Leftovers of a dead process (pid 2^22 + 1 is above Linux's pid_max default), and of this live process's sibling.
    const live = (await readdir(directory)).length; // just "key"
    expect(live).toBe(1);
    const probe = fsDriver({ root, cleanupOnStart: false });
    await probe.ready;
    // Learn this host's tag from a temporary name the driver makes.
    const { temporaryTag } = await makeTemporaryName(storage, directory);
    const deadPid = 4194305;
    await writeFile(join(directory, `%tmp-${temporaryTag}-${deadPid}-abc`), "partial");
    await writeFile(join(directory, `%tmp-${temporaryTag}-${process.ppid}-def`), "in flight elsewhere");
    await symlink(`${temporaryTag}:${deadPid}:nonce`, join(directory, "%lock-key"));
    expect(hostTagOf(`%tmp-${temporaryTag}-1-x`)).toBe(temporaryTag);
    expect((await storage.list()).objects.map((info) => info.key)).toEqual(["dir/key"]);
    const fresh = fsDriver({ root });
    const report = await fresh.startupCleanup;
    expect(report).toEqual({ temporaryFiles: 1, locks: 1, directories: 0 });
    expect(await leftoverFiles(root)).toEqual([`dir%/%tmp-${temporaryTag}-${process.ppid}-def`]);
    expect((await lstat(join(directory, "key"))).isFile()).toBe(true);
  });

  it("puts and deletes racing a running cleanup (which removes empty directories) all succeed", async () => {
    const driver = fsDriver({ root, cleanupOnStart: false });
    const storage = createStorage(driver);
    let running = true;
    const cleaner = (async () => {
      while (running) await driver.cleanup();
    })();
    try {
      for (let round = 0; round < 5; round++) {
        await Promise.all(Array.from({ length: 40 }, (_, index) => storage.put(`r${round}/d${index % 7}/e${index % 3}/k${index}`, String(index))));
        await storage.delete(Array.from({ length: 40 }, (_, index) => `r${round}/d${index % 7}/e${index % 3}/k${index}`));
      }
      await Promise.all(Array.from({ length: 40 }, (_, index) => storage.put(`last/d${index % 7}/k${index}`, String(index))));
    } finally {
      running = false;
      await cleaner;
    }
    let count = 0;
    for await (const info of storage.listAll()) {
      expect(info.key.startsWith("last/")).toBe(true);
      count++;
    }
    expect(count).toBe(40);
  });

  it("listing never serves stale info after an overwrite by another driver instance (same size, new metadata)", async () => {
    const reader = createStorage(fsDriver({ root, cleanupOnStart: false }));
    const writer = createStorage(fsDriver({ root, cleanupOnStart: false }));
    for (let round = 0; round < 20; round++) {
      await writer.put("dir/key", `v${round % 10}`, { contentType: `text/v${round}`, metadata: { round: String(round) } });
      const [info] = (await reader.list({ prefix: "dir/" })).objects;
      expect(info!.contentType).toBe(`text/v${round}`);
      expect(info!.metadata).toEqual({ round: String(round) });
      expect(info!.etag).toBe((await writer.head("dir/key"))!.etag);
      // Mutating what list returned never changes what the next list returns.
      info!.metadata.round = "changed";
    }
    await writer.delete("dir/key");
    expect((await reader.list()).objects).toEqual([]);
  });

  it("a stale lock left by a dead process does not block a compare-and-swap", async () => {
    const storage = createStorage(fsDriver({ root, cleanupOnStart: false }));
    const info = await storage.put("k", "1");
    const { temporaryTag } = await makeTemporaryName(storage, root);
    await symlink(`${temporaryTag}:4194305:nonce`, join(root, "%lock-k"));
    const started = Date.now();
    await storage.put("k", "2", { ifMatch: info.etag });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await (await storage.get("k"))!.text()).toBe("2");
    expect(await leftoverFiles(root)).toEqual([]);
  });

  for (const blocking of [true, false]) {
    it(`a delimiter listing reads one directory level; a page stops reading once full (blocking: ${blocking})`, async () => {
      const storage = createStorage(fsDriver({ root, cleanupOnStart: false, blocking }));
      for (let group = 0; group < 5; group++) {
        await Promise.all(Array.from({ length: 30 }, (_, index) => storage.put(`g${group}/sub/item-${String(index).padStart(2, "0")}`, "x")));
      }
      await storage.put("top", "x");
      calls.readdir.length = 0;
      const page = await storage.list({ delimiter: "/" });
      expect(page.prefixes).toEqual(["g0/", "g1/", "g2/", "g3/", "g4/"]);
      expect(calls.readdir).toEqual([root]);

      calls.readdir.length = 0;
      const first = await storage.list({ limit: 10 });
      expect(first.objects.map((info) => info.key)).toEqual(Array.from({ length: 10 }, (_, index) => `g0/sub/item-${String(index).padStart(2, "0")}`));
      // root, g0%, g0%/sub%: nothing of g1..g4.
      expect(calls.readdir.length).toBe(3);

      // The cursor resumes inside g2 without reading g0 or g1 again.
      const middle = await storage.list({ limit: 5, cursor: `k:g2/sub/item-10` });
      calls.readdir.length = 0;
      await storage.list({ limit: 5, cursor: middle.cursor! });
      expect(calls.readdir.some((path) => path.includes("g0%") || path.includes("g1%"))).toBe(false);
    });
  }
});

/** Makes the driver create (and remove) one temporary file, to learn this host's tag. */
async function makeTemporaryName(storage: ReturnType<typeof createStorage>, directory: string): Promise<{ temporaryTag: string }> {
  let seen: string | undefined;
  const watcher = setInterval(async () => {
    for (const name of await readdir(directory).catch(() => [] as string[])) if (name.startsWith("%tmp-")) seen = name;
  }, 0);
  const source = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      seen ??= (await readdir(directory)).find((name) => name.startsWith("%tmp-"));
      controller.enqueue(new Uint8Array(1));
      controller.close();
    },
  });
  const key = directory.endsWith("dir%") ? "dir/probe" : "probe";
  await storage.put(key, source);
  clearInterval(watcher);
  await storage.delete(key);
  if (seen === undefined) throw new Error("no temporary file seen");
  return { temporaryTag: seen.split("-")[1]! };
}
