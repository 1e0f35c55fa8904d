import { closeSync, constants, lstatSync, openSync, readdirSync, readSync, type Dirent } from "node:fs";
import { lstat, open, readdir } from "node:fs/promises";
import { join, sep } from "node:path";
import { compareUtf8 } from "@stowage/core";
import { errorCode } from "./map-fs-error.js";
import { headerLength, parseHeader } from "./object-header.js";
import type { SegmentCodec } from "./segment-name.js";

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
  /** How names on disk encode segments. */
  codec: SegmentCodec;
}

/** What the walk needs read from disk; the caller reads it (synchronously or not) and passes it back. */
export type WalkRequest =
  | { kind: "read-directory"; path: string }
  | { kind: "entry-type"; path: string }
  | { kind: "hashed-key"; path: string; isDirectory: boolean };

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
 * caller stops when its page is full, so no more directories are read than
 * the page needs. Symbolic links are never followed: only real directories
 * and regular files are visited.
 *
 * The walk is a synchronous generator that yields items and I/O requests;
 * {@link runWalk} answers the requests, with blocking or asynchronous reads.
 */
export function* sortedWalk(plan: WalkPlan): Generator<WalkItem | WalkRequest, void, unknown> {
  const state: WalkState = { plan, listPrefix: plan.keyPrefix + plan.namePrefix, lastPrefix: plan.skipPrefix };
  yield* walkDirectory(plan.directory, plan.keyPrefix, plan.namePrefix, state);
}

function* walkDirectory(path: string, keyPrefix: string, filter: string, state: WalkState): Generator<WalkItem | WalkRequest, void, unknown> {
  const entries = yield* readEntries(path, keyPrefix, filter, state.plan.codec);
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
function* readEntries(path: string, keyPrefix: string, filter: string, codec: SegmentCodec): Generator<WalkRequest, Entry[], unknown> {
  const dirents = (yield { kind: "read-directory", path }) as Dirent[];
  const entries: Entry[] = [];
  for (const dirent of dirents) {
    const parsed = codec.parse(dirent.name);
    if (parsed === undefined) continue;
    const entryPath = path + sep + dirent.name;
    let isDirectory = dirent.isDirectory();
    let isFile = dirent.isFile();
    if (!isDirectory && !isFile && !dirent.isSymbolicLink()) {
      // The file system did not report a type: ask, without following links.
      const type = (yield { kind: "entry-type", path: entryPath }) as "directory" | "file" | "other";
      isDirectory = type === "directory";
      isFile = type === "file";
    }
    if (parsed.kind === "directory" ? !isDirectory : !isFile) continue;
    let segment = parsed.segment;
    if (segment === undefined) {
      const key = (yield { kind: "hashed-key", path: entryPath, isDirectory }) as string | undefined;
      segment = key === undefined ? undefined : segmentOf(key, keyPrefix, isDirectory);
      if (segment === undefined) continue;
    }
    if (filter.length > 0 && !segment.startsWith(filter)) continue;
    entries.push({ sortKey: keyPrefix + segment + (isDirectory ? "/" : ""), isDirectory, path: entryPath });
  }
  entries.sort((a, b) => compareUtf8(a.sortKey, b.sortKey));
  return entries;
}

/** The segment after `keyPrefix` in a key found in a header (the whole rest for an object). */
function segmentOf(key: string, keyPrefix: string, isDirectory: boolean): string | undefined {
  if (!key.startsWith(keyPrefix)) return undefined;
  const rest = key.slice(keyPrefix.length);
  const slash = rest.indexOf("/");
  if (isDirectory ? slash <= 0 : slash >= 0) return undefined;
  return isDirectory ? rest.slice(0, slash) : rest;
}

/** Reads what the walk asks for: synchronously (`blocking`) or through the thread pool. */
export interface WalkReader {
  readDirectory(path: string): Dirent[] | Promise<Dirent[]>;
  entryType(path: string): string | Promise<string>;
  hashedKey(path: string, isDirectory: boolean, codec: SegmentCodec): (string | undefined) | Promise<string | undefined>;
}

/**
 * Runs a walk until `limit` items were taken and one more was seen (so the
 * caller knows whether more follow). Returns the items and whether more exist.
 */
export async function runWalk(plan: WalkPlan, limit: number, reader: WalkReader): Promise<{ items: WalkItem[]; more: boolean }> {
  const walk = sortedWalk(plan);
  const items: WalkItem[] = [];
  let input: unknown;
  try {
    for (;;) {
      const step = walk.next(input);
      input = undefined;
      if (step.done) return { items, more: false };
      const value = step.value;
      switch (value.kind) {
        case "read-directory":
          input = await reader.readDirectory(value.path);
          break;
        case "entry-type":
          input = await reader.entryType(value.path);
          break;
        case "hashed-key":
          input = await reader.hashedKey(value.path, value.isDirectory, plan.codec);
          break;
        default:
          if (items.length === limit) return { items, more: true };
          items.push(value);
      }
    }
  } finally {
    walk.return();
  }
}

const noFollow = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Blocking reads: fast on a local disk, but they hold the event loop. */
export const blockingWalkReader: WalkReader = {
  readDirectory(path) {
    try {
      return readdirSync(path, { withFileTypes: true });
    } catch (error) {
      if (isGone(error)) return [];
      throw error;
    }
  },
  entryType(path) {
    try {
      const stats = lstatSync(path);
      return stats.isDirectory() ? "directory" : stats.isFile() ? "file" : "other";
    } catch {
      return "other";
    }
  },
  hashedKey(path, isDirectory, codec) {
    return isDirectory ? anyKeyBelowSync(path, codec) : keyInHeaderSync(path);
  },
};

/** Reads through libuv's thread pool: the event loop stays free. */
export const asyncWalkReader: WalkReader = {
  async readDirectory(path) {
    try {
      return await readdir(path, { withFileTypes: true });
    } catch (error) {
      if (isGone(error)) return [];
      throw error;
    }
  },
  async entryType(path) {
    try {
      const stats = await lstat(path);
      return stats.isDirectory() ? "directory" : stats.isFile() ? "file" : "other";
    } catch {
      return "other";
    }
  },
  hashedKey(path, isDirectory, codec) {
    return isDirectory ? anyKeyBelow(path, codec) : keyInHeader(path);
  },
};

function isGone(error: unknown): boolean {
  const code = errorCode(error);
  return code === "ENOENT" || code === "ENOTDIR";
}

/** Any key stored below a (hashed) directory: it names the directory's full segment. */
async function anyKeyBelow(path: string, codec: SegmentCodec): Promise<string | undefined> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(path, { withFileTypes: true });
  } catch {
    return undefined;
  }
  for (const dirent of dirents) {
    const parsed = codec.parse(dirent.name);
    if (parsed === undefined) continue;
    const child = join(path, dirent.name);
    const key =
      parsed.kind === "object" && dirent.isFile()
        ? await keyInHeader(child)
        : parsed.kind === "directory" && dirent.isDirectory()
          ? await anyKeyBelow(child, codec)
          : undefined;
    if (key !== undefined) return key;
  }
  return undefined;
}

function anyKeyBelowSync(path: string, codec: SegmentCodec): string | undefined {
  let dirents: Dirent[];
  try {
    dirents = readdirSync(path, { withFileTypes: true });
  } catch {
    return undefined;
  }
  for (const dirent of dirents) {
    const parsed = codec.parse(dirent.name);
    if (parsed === undefined) continue;
    const child = join(path, dirent.name);
    const key =
      parsed.kind === "object" && dirent.isFile()
        ? keyInHeaderSync(child)
        : parsed.kind === "directory" && dirent.isDirectory()
          ? anyKeyBelowSync(child, codec)
          : undefined;
    if (key !== undefined) return key;
  }
  return undefined;
}

async function keyInHeader(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, noFollow);
    const first = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(first, 0, first.byteLength, 0);
    const length = headerLength(first.subarray(0, bytesRead));
    if (length === undefined) return undefined;
    let bytes: Buffer = first;
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

function keyInHeaderSync(path: string): string | undefined {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(path, noFollow);
    const first = Buffer.alloc(4096);
    const bytesRead = readSync(descriptor, first, 0, first.byteLength, 0);
    const length = headerLength(first.subarray(0, bytesRead));
    if (length === undefined) return undefined;
    let bytes: Buffer = first;
    if (length > bytesRead) {
      bytes = Buffer.alloc(length);
      readSync(descriptor, bytes, 0, length, 0);
    }
    return parseHeader(bytes)?.info.key;
  } catch {
    return undefined;
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}
