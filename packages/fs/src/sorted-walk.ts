import { constants, readdirSync, type Dirent } from "node:fs";
import { open, readdir, lstat } from "node:fs/promises";
import { join } from "node:path";
import { compareUtf8 } from "@stowage/core";
import { errorCode } from "./map-fs-error.js";
import { parseHeader, headerLength } from "./object-header.js";
import { parseName } from "./segment-name.js";

/** One step of a listing: an object, or a common prefix that rolls up many keys. */
export type WalkItem = { kind: "object"; key: string; path: string } | { kind: "prefix"; prefix: string };

export interface WalkPlan {
  /** The directory that holds the keys starting with `keyPrefix`. */
  directory: string;
  /** The key prefix of `directory`: `""` or `"a/b/"`. */
  keyPrefix: string;
  /** Only segments of `directory` starting with this are listed. */
  namePrefix: string;
  delimiter?: string;
  /** Resume strictly after this key (or common prefix). */
  after?: string;
  /** A common prefix already returned: keys under it are skipped. */
  skipPrefix?: string;
  /** Read directories with readdirSync (faster on local disks; blocks the event loop briefly). */
  blocking?: boolean;
}

interface Entry {
  sortKey: string;
  isDirectory: boolean;
  path: string;
}

interface WalkState {
  plan: WalkPlan;
  listPrefix: string;
  lastPrefix: string | undefined;
}

/**
 * Walks the tree in UTF-8 byte order of the keys, lazily: each directory is
 * read when the walk reaches it, a subtree wholly before the cursor is never
 * read, and a subtree that rolls into one common prefix is never read. The
 * caller stops iterating when its page is full, so no more directories are
 * read than the page needs. Symbolic links are never followed: only real
 * directories and regular files are visited.
 */
export async function* sortedWalk(plan: WalkPlan): AsyncGenerator<WalkItem> {
  const state: WalkState = { plan, listPrefix: plan.keyPrefix + plan.namePrefix, lastPrefix: plan.skipPrefix };
  yield* walkDirectory(plan.directory, plan.keyPrefix, plan.namePrefix, state);
}

async function* walkDirectory(path: string, keyPrefix: string, filter: string, state: WalkState): AsyncGenerator<WalkItem> {
  const entries = await readEntries(path, keyPrefix, filter, state.plan.blocking === true);
  const { plan } = state;
  for (const entry of entries) {
    const key = entry.sortKey;
    if (state.lastPrefix !== undefined && key.startsWith(state.lastPrefix)) continue;
    if (plan.after !== undefined && compareUtf8(key, plan.after) <= 0 && !(entry.isDirectory && plan.after.startsWith(key))) continue;
    if (plan.delimiter !== undefined) {
      const at = key.indexOf(plan.delimiter, state.listPrefix.length);
      if (at >= 0 && at + plan.delimiter.length <= key.length) {
        // The delimiter ends within this entry's key (or directory prefix),
        // so it and everything below it roll into one common prefix.
        const common = key.slice(0, at + plan.delimiter.length);
        state.lastPrefix = common;
        yield { kind: "prefix", prefix: common };
        continue;
      }
    }
    if (entry.isDirectory) yield* walkDirectory(entry.path, key, "", state);
    else yield { kind: "object", key, path: entry.path };
  }
}

/** A directory's entries as keys (a directory's sort key ends in "/"), sorted by UTF-8 bytes. */
async function readEntries(path: string, keyPrefix: string, filter: string, blocking: boolean): Promise<Entry[]> {
  let dirents: Dirent[];
  try {
    dirents = blocking ? readdirSync(path, { withFileTypes: true }) : await readdir(path, { withFileTypes: true });
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw error;
  }
  const entries: Entry[] = [];
  for (const dirent of dirents) {
    const parsed = parseName(dirent.name);
    if (parsed === undefined) continue;
    const entryPath = join(path, dirent.name);
    let isDirectory = dirent.isDirectory();
    let isFile = dirent.isFile();
    if (!isDirectory && !isFile && !dirent.isSymbolicLink()) {
      // The file system did not report a type: ask, without following links.
      try {
        const stats = await lstat(entryPath);
        isDirectory = stats.isDirectory();
        isFile = stats.isFile();
      } catch {
        continue;
      }
    }
    if (parsed.kind === "directory" ? !isDirectory : !isFile) continue;
    let segment = parsed.segment;
    if (segment === undefined) {
      segment = await hashedSegment(entryPath, parsed.kind === "directory", keyPrefix);
      if (segment === undefined) continue;
    }
    if (filter.length > 0 && !segment.startsWith(filter)) continue;
    entries.push({ sortKey: keyPrefix + segment + (isDirectory ? "/" : ""), isDirectory, path: entryPath });
  }
  entries.sort((a, b) => compareUtf8(a.sortKey, b.sortKey));
  return entries;
}

/**
 * The full segment behind a hashed (long) name, taken from the key in an
 * object header: the object's own, or for a directory, any object below it.
 */
async function hashedSegment(path: string, isDirectory: boolean, keyPrefix: string): Promise<string | undefined> {
  const key = isDirectory ? await anyKeyBelow(path) : await keyInHeader(path);
  if (key === undefined || !key.startsWith(keyPrefix)) return undefined;
  const rest = key.slice(keyPrefix.length);
  const slash = rest.indexOf("/");
  if (isDirectory ? slash <= 0 : slash >= 0) return undefined;
  return isDirectory ? rest.slice(0, slash) : rest;
}

async function anyKeyBelow(path: string): Promise<string | undefined> {
  let dirents;
  try {
    dirents = await readdir(path, { withFileTypes: true });
  } catch {
    return undefined;
  }
  for (const dirent of dirents) {
    const parsed = parseName(dirent.name);
    if (parsed === undefined) continue;
    const child = join(path, dirent.name);
    if (parsed.kind === "object" && dirent.isFile()) {
      const key = await keyInHeader(child);
      if (key !== undefined) return key;
    } else if (parsed.kind === "directory" && dirent.isDirectory()) {
      const key = await anyKeyBelow(child);
      if (key !== undefined) return key;
    }
  }
  return undefined;
}

async function keyInHeader(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    const first = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(first, 0, first.byteLength, 0);
    const length = headerLength(first.subarray(0, bytesRead));
    if (length === undefined) return undefined;
    let bytes: Uint8Array = first;
    if (length > bytesRead) {
      bytes = Buffer.alloc(length);
      await handle.read(bytes, 0, length, 0);
    }
    return parseHeader(bytes)?.info.key;
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => {});
  }
}
