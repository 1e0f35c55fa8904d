import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, lstat, mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createStorage, isStorageError, type Storage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childScript } from "./child-bundle.js";
import { removeRoot, tempRoot } from "./temp-root.js";

/** How long the attacker swaps, per mode. */
const swapMs = 2500;
const clients = 8;

interface Snapshot {
  [path: string]: string;
}

/** Every entry under `directory`: its type, inode, size, mtime and, for files, a hash of the bytes. */
async function snapshot(directory: string, into: Snapshot = {}, prefix = ""): Promise<Snapshot> {
  for (const name of (await readdir(directory)).sort()) {
    const path = join(directory, name);
    const stats = await lstat(path);
    const kind = stats.isDirectory() ? "dir" : stats.isFile() ? "file" : "other";
    const hash = stats.isFile() ? createHash("sha256").update(await readFile(path)).digest("hex") : "";
    into[prefix + name] = `${kind} ino=${stats.ino} size=${stats.size} mtime=${stats.mtimeMs} ${hash}`;
    if (stats.isDirectory()) await snapshot(path, into, `${prefix}${name}/`);
  }
  return into;
}

/** Starts the attacker; resolves once it swaps, with a promise of its end. */
function startSwapper(argument: { parent: string; name: string; outside: string; durationMs: number }) {
  const child = spawn(process.execPath, [childScript("swap-worker.mjs"), JSON.stringify(argument)], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let onReady: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith("ready\n")) onReady();
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ swaps: number; stderr: string; code: number | null }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      onReady();
      const last = stdout.trim().split("\n").pop() ?? "";
      resolve({ swaps: last.startsWith("{") ? (JSON.parse(last).swaps as number) : 0, stderr, code });
    });
  });
  return { ready, done };
}

describe.each([true, false])("a directory swapped for a link out of root, while operations run (blocking: %s)", (blocking) => {
  let base: string;
  let root: string;
  let outside: string;
  const planted = new Set<string>();
  beforeAll(async () => {
    base = await tempRoot(`swap-${blocking}`);
    root = join(base, "root");
    outside = join(base, "outside");
    // Planted objects: valid object files (header and all) for the keys the
    // clients use, made in a scratch root and copied outside. If the driver
    // ever follows the link, a get finds them, and a put overwrites them.
    const scratch = createStorage(fsDriver({ root: join(base, "scratch"), cleanupOnStart: false }));
    await mkdir(join(outside, "sub%"), { recursive: true });
    for (const key of ["d/k0", "d/k1", "d/k2", "d/k3", "d/sub/k0"]) {
      const info = await scratch.put(key, `PLANTED ${key}`, { metadata: { planted: "yes" } });
      planted.add(info.etag);
      const relative = key.slice(2).replace("/", "%/");
      await copyFile(join(base, "scratch", "d%", relative), join(outside, relative));
    }
  });
  afterAll(() => removeRoot(base));

  it("nothing is written or read outside the root", async () => {
    const driver = fsDriver({ root, cleanupOnStart: false, blocking });
    const storage = createStorage(driver);
    await driver.ready;
    expect(driver.raw.confinement).toBe("descriptor");
    // The directory under attack, kept non-empty so deletes never prune it.
    await storage.put("d/keep", "keep");
    await storage.put("d/sub/keep", "keep");
    for (const index of [0, 1, 2, 3]) await storage.put(`d/k${index}`, `inside d/k${index}`);
    await storage.put("d/sub/k0", "inside d/sub/k0");
    const before = await snapshot(outside);
    expect(Object.keys(before).length).toBe(6);

    const swapper = startSwapper({ parent: root, name: "d%", outside, durationMs: swapMs });
    await swapper.ready;
    let running = true;
    void swapper.done.then(() => (running = false));

    const outcomes = new Map<string, number>();
    const count = (label: string) => outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
    const escapes: string[] = [];
    const errors: string[] = [];
    const checkInfo = (what: string, info: { etag: string; metadata: Record<string, string> } | null) => {
      if (info !== null && (planted.has(info.etag) || info.metadata.planted === "yes")) escapes.push(`${what} returned a planted object`);
    };
    const client = async (id: number) => {
      let serial = 0;
      while (running) {
        const n = serial++;
        const key = ["d/k0", "d/k1", "d/k2", "d/k3", "d/sub/k0"][n % 5]!;
        const fresh = `d/c${id}-${n}`;
        const operation = ["put", "get", "putIfNotExists", "head", "putIfMatch", "list", "streamedPut", "delete", "getNested"][n % 9]!;
        try {
          await runOperation(storage, operation, key, fresh, (what, info) => checkInfo(what, info), (body) => {
            if (body.includes("PLANTED")) escapes.push(`${operation} ${key} read planted bytes`);
          });
          count(`${operation}:ok`);
        } catch (error) {
          const code = isStorageError(error) ? error.code : "not a StorageError";
          count(`${operation}:${code}`);
          if (!["PermissionDenied", "AlreadyExists", "PreconditionFailed", "NotFound"].includes(code)) errors.push(`${operation} ${key}: ${String(error)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, id) => client(id)));
    const { swaps, stderr, code } = await swapper.done;
    expect(stderr).toBe("");
    expect(code).toBe(0);

    const after = await snapshot(outside);
    const outsideChanges = {
      created: Object.keys(after).filter((path) => !(path in before)).length,
      changed: Object.keys(after).filter((path) => path in before && after[path] !== before[path]).length,
      removed: Object.keys(before).filter((path) => !(path in after)).length,
    };
    const summary = { swaps, outcomes: Object.fromEntries([...outcomes].sort()), readEscapes: escapes.length, outsideChanges };
    console.log(`swap race (blocking: ${blocking}):`, JSON.stringify(summary));
    // The race was real: the link was in place often enough to refuse some
    // operations, and the directory often enough for others to succeed.
    expect(swaps).toBeGreaterThan(1000);
    expect([...outcomes].filter(([label]) => label.endsWith(":PermissionDenied")).length).toBeGreaterThan(0);
    expect(outcomes.get("put:ok") ?? 0).toBeGreaterThan(0);
    expect(outcomes.get("get:ok") ?? 0).toBeGreaterThan(0);
    // Nothing outside changed: no file created, none overwritten or removed.
    expect(outsideChanges).toEqual({ created: 0, changed: 0, removed: 0 });
    expect(after).toEqual(before);
    expect(escapes).toEqual([]);
    expect(errors).toEqual([]);
    // Every key still reads its inside value (or a later inside put), never the planted one.
    for (const key of ["d/k0", "d/k1", "d/k2", "d/k3", "d/sub/k0"]) {
      const object = await storage.get(key);
      if (object !== null) expect(await object.text()).not.toContain("PLANTED");
    }
  }, 60_000);
});

async function runOperation(
  storage: Storage,
  operation: string,
  key: string,
  fresh: string,
  checkInfo: (what: string, info: { etag: string; metadata: Record<string, string> } | null) => void,
  checkBody: (body: string) => void,
): Promise<void> {
  switch (operation) {
    case "put":
      await storage.put(key, `inside ${key}`);
      return;
    case "putIfNotExists":
      await storage.put(fresh, `inside ${fresh}`, { ifNotExists: true });
      return;
    case "putIfMatch": {
      const current = await storage.head(key);
      checkInfo(`head ${key}`, current);
      if (current === null) return;
      await storage.put(key, `inside ${key} swapped`, { ifMatch: current.etag });
      return;
    }
    case "streamedPut":
      await storage.put(key, new Blob([`inside ${key} `, "streamed"]).stream());
      return;
    case "get":
    case "getNested": {
      const target = operation === "get" ? key : "d/sub/k0";
      const object = await storage.get(target);
      checkInfo(`get ${target}`, object);
      if (object !== null) checkBody(await object.text());
      return;
    }
    case "head":
      checkInfo(`head ${key}`, await storage.head(key));
      return;
    case "list": {
      const page = await storage.list({ prefix: "d/" });
      for (const info of page.objects) checkInfo(`list ${info.key}`, info);
      return;
    }
    case "delete":
      await storage.put(fresh, "to delete");
      await storage.delete(fresh);
      return;
  }
}
