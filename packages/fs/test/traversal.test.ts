import { mkdir, readdir, readFile, realpath, symlink, writeFile, lstat } from "node:fs/promises";
import { join, sep } from "node:path";
import { compareUtf8, createStorage, isStorageError, isValidKey } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forceConfinementForTesting } from "../src/root-directory.js";
import { removeRoot, tempRoot } from "./temp-root.js";

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const tokens = [
  "..", ".", "/", "//", "\\", "..\\", "%2e", "%2E%2E", "%2f", "%2F", "%5c", "%00", "%25", "%", "%~", "%tmp-x", "%lock-x",
  "~", " ", "a", "b", "z", "A", "é", "e\u0301", "😀", "漢字", "\u202e", "\ufeff", "\uffff", "\u{10ffff}", "\ue000",
  "CON", "nul", ":", "*", "?", '"', "<", ">", "|", "#", "&", "=", "+", "'", "\u0000", "\t", "\n", "\u007f", "\ud800",
  "/etc/passwd", "../", "a/../../", "x".repeat(300), "é".repeat(200), "😀".repeat(70), "%41".repeat(90),
];

function randomCodePoint(next: () => number): string {
  const ranges: Array<[number, number]> = [[0x20, 0x7e], [0xa0, 0x2ff], [0x300, 0x36f], [0x4e00, 0x9fff], [0xe000, 0xffff], [0x1f300, 0x1faff], [0, 0x1f]];
  const [low, high] = ranges[Math.floor(next() * ranges.length)]!;
  const code = low + Math.floor(next() * (high - low + 1));
  return code >= 0xd800 && code <= 0xdfff ? "?" : String.fromCodePoint(code);
}

function generateKeys(count: number): string[] {
  const next = random(20261122);
  const keys = new Set<string>();
  while (keys.size < count) {
    let key = "";
    const parts = 1 + Math.floor(next() * 8);
    for (let part = 0; part < parts; part++) {
      key += next() < 0.6 ? tokens[Math.floor(next() * tokens.length)] : randomCodePoint(next);
      if (next() < 0.3) key += "/";
    }
    keys.add(key);
  }
  return [...keys];
}

const classics = ["../x", "a/../../x", "%2e%2e/x", "..\\x", "/etc/passwd", "a\u0000b", "..", ".", "a/./b", "./a", "a/..", "\\..\\..\\x", "C:\\x", "evil/x"];

async function walk(directory: string, found: string[] = []): Promise<string[]> {
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    found.push(path);
    if (entry.isDirectory()) await walk(path, found);
  }
  return found;
}

// "path" is the fallback where /proc/<pid>/fd is missing (macOS, Windows): forced here, on Linux, to check it too refuses planted links.
describe.each([
  ["bytes", "descriptor"],
  ["portable", "descriptor"],
  ["bytes", "path"],
] as const)("traversal corpus (%s encoding, %s confinement)", (encoding, confinement) => {
  let base: string;
  let root: string;
  let outside: string;
  beforeAll(async () => {
    base = await tempRoot("traversal");
    root = join(base, "root");
    outside = join(base, "outside");
    await mkdir(root);
    await mkdir(outside);
    await writeFile(join(outside, "sentinel"), "untouched");
    // Planted links: a "directory" and an "object" that point out of root.
    await symlink(outside, join(root, "evil%"));
    // (the same name in both encodings: lowercase ASCII)
    await symlink(join(outside, "sentinel"), join(root, "link"));
    forceConfinementForTesting(confinement);
  });
  afterAll(async () => {
    forceConfinementForTesting(undefined);
    await removeRoot(base);
  });

  it("5000 generated keys plus the classics: legal keys round-trip byte-exact, illegal ones give InvalidKey, nothing lands outside root", async () => {
    const keys = [...generateKeys(5000), ...classics];
    const legal = keys.filter((key) => isValidKey(key) && !key.startsWith("evil/") && key !== "link");
    const illegal = keys.filter((key) => !isValidKey(key));
    expect(legal.length).toBeGreaterThan(1000);
    expect(illegal.length).toBeGreaterThan(1000);
    for (const classic of ["../x", "a/../../x", "/etc/passwd", "a\u0000b"]) expect(illegal).toContain(classic);
    // Backslashes and percent-encodings are ordinary characters in a key: legal, and stored inside root.
    for (const classic of ["..\\x", "%2e%2e/x", "\\..\\..\\x", "C:\\x"]) expect(legal).toContain(classic);
    const driver = fsDriver({ root, cleanupOnStart: false, encoding });
    const storage = createStorage(driver);
    await driver.ready;
    expect(driver.raw.confinement).toBe(confinement);
    const encoder = new TextEncoder();

    for (const key of illegal) {
      await expect(storage.put(key, "x")).rejects.toMatchObject({ code: "InvalidKey" });
    }
    let next = 0;
    const writer = async () => {
      while (next < legal.length) {
        const key = legal[next++]!;
        await storage.put(key, encoder.encode(key), { metadata: { n: String(key.length) } });
      }
    };
    await Promise.all(Array.from({ length: 16 }, writer));

    // Every legal key reads back its own bytes, key and metadata.
    for (const key of legal) {
      const object = await storage.get(key);
      expect(object, key).not.toBeNull();
      expect(object!.key).toBe(key);
      // Compare bytes: text() would drop a leading U+FEFF (TextDecoder strips a BOM).
      expect(Buffer.from(await object!.bytes()).equals(Buffer.from(key, "utf8")), key).toBe(true);
      expect(object!.metadata.n).toBe(String(key.length));
    }
    // The listing is exactly the legal keys, byte-exact, in UTF-8 order.
    const listed: string[] = [];
    for await (const info of storage.listAll()) listed.push(info.key);
    expect(listed).toEqual([...legal].sort(compareUtf8));

    // Through the planted links: refused, and nothing outside changes.
    await expect(storage.put("evil/x", "x")).rejects.toMatchObject({ code: "PermissionDenied" });
    await expect(storage.put("evil/deeper/x", "x")).rejects.toMatchObject({ code: "PermissionDenied" });
    await expect(storage.get("evil/x")).rejects.toMatchObject({ code: "PermissionDenied" });
    await expect(storage.get("link")).rejects.toMatchObject({ code: "PermissionDenied" });
    await expect(storage.head("link")).rejects.toMatchObject({ code: "PermissionDenied" });
    const evilList = await storage.list({ prefix: "evil/" }).catch((error: unknown) => error);
    expect(isStorageError(evilList, "PermissionDenied")).toBe(true);
    await storage.delete("evil/x").catch(() => {});

    expect(await readdir(base)).toEqual(["outside", "root"]);
    if (encoding === "portable") {
      // Every name is ASCII without uppercase letters (hex escapes aside), so case- and
      // normalization-insensitive file systems cannot merge two keys.
      for (const path of await walk(root)) expect(path.slice(root.length)).toMatch(/^(?:[\x20-\x40\x5b-\x7e]|%[0-9A-F]{2})*$/);
    }
    expect(await readdir(outside)).toEqual(["sentinel"]);
    expect(await readFile(join(outside, "sentinel"), "utf8")).toBe("untouched");
    // Every path under root resolves inside root (the planted links are the only links).
    const realRoot = await realpath(root);
    for (const path of await walk(root)) {
      const stats = await lstat(path);
      if (stats.isSymbolicLink()) {
        expect([join(root, "evil%"), join(root, "link")]).toContain(path);
        continue;
      }
      expect((await realpath(path)).startsWith(realRoot + sep)).toBe(true);
      expect(stats.isFile() || stats.isDirectory()).toBe(true);
    }
  }, 120_000);
});
