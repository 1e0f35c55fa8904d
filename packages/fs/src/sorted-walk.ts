import type { Dirent } from "node:fs";
import { compareUtf8 } from "@stowage/core";
import type { Maybe } from "./fs-calls.js";
import type { DirectoryRef } from "./root-directory.js";
import type { SegmentCodec } from "./segment-name.js";

/** An object found by a walk: its key, the (open) directory that holds it, and its name there. */
export interface WalkObject {
  kind: "object";
  key: string;
  directory: DirectoryRef;
  name: string;
  /** The file's path relative to the root (a stable name, for caches). */
  relativePath: string;
}

/** One step of a listing: an object, or a common prefix that rolls up many keys. */
export type WalkItem = WalkObject | { kind: "prefix"; prefix: string };

export interface WalkPlan {
  /** The (open) directory that holds the keys starting with `keyPrefix`. */
  directory: DirectoryRef;
  /** Its path relative to the root: `""` or `"a%/b%"`. */
  relativePath: string;
  /** The key prefix of `directory`: `""` or `"a/b/"`. */
  keyPrefix: string;
  /** Only segments of `directory` starting with this are listed. */
  namePrefix: string;
  delimiter?: string;
  /**
   * List only keys and common prefixes strictly after this (a cursor's last
   * entry, or `startAfter`).
   */
  after?: string;
  /** A common prefix already returned: keys under it are skipped. */
  skipPrefix?: string;
  /** How names on disk encode segments. */
  codec: SegmentCodec;
}

/** What the walk needs done on disk; the runner does it (blocking or not) and passes the answer back. */
export type WalkRequest =
  | { kind: "read-directory"; directory: DirectoryRef }
  | { kind: "open-directory"; parent: DirectoryRef; name: string }
  | { kind: "close-directory"; directory: DirectoryRef }
  | { kind: "entry-type"; directory: DirectoryRef; name: string }
  | { kind: "hashed-key"; directory: DirectoryRef; name: string; isDirectory: boolean };

interface Entry {
  sortKey: string;
  isDirectory: boolean;
  name: string;
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
 * the page needs. Symbolic links are never followed: each directory is
 * opened inside its open parent without following a link at its name, and
 * only regular files are objects.
 *
 * The walk is a synchronous generator that yields items and I/O requests;
 * {@link runWalk} answers the requests.
 */
export function* sortedWalk(plan: WalkPlan): Generator<WalkItem | WalkRequest, void, unknown> {
  const state: WalkState = { plan, listPrefix: plan.keyPrefix + plan.namePrefix, lastPrefix: plan.skipPrefix };
  yield* walkDirectory(plan.directory, plan.relativePath, plan.keyPrefix, plan.namePrefix, state);
}

function* walkDirectory(
  directory: DirectoryRef,
  relativePath: string,
  keyPrefix: string,
  filter: string,
  state: WalkState,
): Generator<WalkItem | WalkRequest, void, unknown> {
  const entries = yield* readEntries(directory, keyPrefix, filter, state.plan.codec);
  const { plan } = state;
  const base = relativePath === "" ? "" : `${relativePath}/`;
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
        // A common prefix at or before `after` (`a/` for a startAfter of
        // `a/1`) is not listed, and neither is anything it rolls up.
        if (plan.after !== undefined && compareUtf8(common, plan.after) <= 0) continue;
        yield { kind: "prefix", prefix: common };
        continue;
      }
    }
    if (entry.isDirectory) {
      const child = (yield { kind: "open-directory", parent: directory, name: entry.name }) as DirectoryRef | undefined;
      // Swapped for a link or removed since it was read: skip it.
      if (child === undefined) continue;
      yield* walkDirectory(child, base + entry.name, key, "", state);
      yield { kind: "close-directory", directory: child };
    } else {
      yield { kind: "object", key, directory, name: entry.name, relativePath: base + entry.name };
    }
  }
}

/** A directory's entries as keys (a directory's sort key ends in "/"), sorted by UTF-8 bytes. */
function* readEntries(directory: DirectoryRef, keyPrefix: string, filter: string, codec: SegmentCodec): Generator<WalkRequest, Entry[], unknown> {
  const dirents = (yield { kind: "read-directory", directory }) as Dirent[];
  const entries: Entry[] = [];
  for (const dirent of dirents) {
    const parsed = codec.parse(dirent.name);
    if (parsed === undefined) continue;
    let isDirectory = dirent.isDirectory();
    let isFile = dirent.isFile();
    if (!isDirectory && !isFile && !dirent.isSymbolicLink()) {
      // The file system did not report a type: ask, without following links.
      const type = (yield { kind: "entry-type", directory, name: dirent.name }) as "directory" | "file" | "other";
      isDirectory = type === "directory";
      isFile = type === "file";
    }
    if (parsed.kind === "directory" ? !isDirectory : !isFile) continue;
    let segment = parsed.segment;
    if (segment === undefined) {
      const key = (yield { kind: "hashed-key", directory, name: dirent.name, isDirectory }) as string | undefined;
      segment = key === undefined ? undefined : segmentOf(key, keyPrefix, isDirectory);
      if (segment === undefined) continue;
    }
    if (filter.length > 0 && !segment.startsWith(filter)) continue;
    entries.push({ sortKey: keyPrefix + segment + (isDirectory ? "/" : ""), isDirectory, name: dirent.name });
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

/** Does what the walk asks for (blocking or through the thread pool: see `walkReader`). */
export interface WalkReader {
  readDirectory(directory: DirectoryRef): Maybe<Dirent[]>;
  /** The directory `name` in `parent`, opened without following a link; undefined when it is not one (any more). */
  openDirectory(parent: DirectoryRef, name: string): Maybe<DirectoryRef | undefined>;
  closeDirectory(directory: DirectoryRef): Maybe<void>;
  entryType(directory: DirectoryRef, name: string): Maybe<string>;
  hashedKey(directory: DirectoryRef, name: string, isDirectory: boolean): Maybe<string | undefined>;
}

/**
 * Runs a walk until `limit` items were taken and one more was seen (so the
 * caller knows whether more follow), calling `visit` on each object while
 * its directory is open (up to `concurrency` visits at once). A directory
 * is closed once the walk left it and its objects' visits settled. Returns
 * the items, each object's visit result, and whether more exist.
 */
export async function runWalk<T>(
  plan: WalkPlan,
  limit: number,
  reader: WalkReader,
  visit: (item: WalkObject) => Promise<T>,
  concurrency: number,
): Promise<{ items: WalkItem[]; results: Map<WalkObject, T>; more: boolean }> {
  const walk = sortedWalk(plan);
  const items: WalkItem[] = [];
  const results = new Map<WalkObject, T>();
  /** Users of each open directory: the walk (until it leaves it) and each visit in flight. */
  const users = new Map<DirectoryRef, number>();
  const pending = new Set<Promise<void>>();
  const drop = async (directory: DirectoryRef) => {
    const left = users.get(directory)! - 1;
    if (left > 0) {
      users.set(directory, left);
      return;
    }
    users.delete(directory);
    await reader.closeDirectory(directory);
  };
  const failed: Array<{ error: unknown }> = [];
  let input: unknown;
  let more = false;
  try {
    for (;;) {
      if (failed.length > 0) throw failed[0]!.error;
      const step = walk.next(input);
      input = undefined;
      if (step.done) break;
      const value = step.value;
      switch (value.kind) {
        case "read-directory":
          input = await reader.readDirectory(value.directory);
          break;
        case "open-directory":
          input = await reader.openDirectory(value.parent, value.name);
          if (input !== undefined) users.set(input as DirectoryRef, 1);
          break;
        case "close-directory":
          await drop(value.directory);
          break;
        case "entry-type":
          input = await reader.entryType(value.directory, value.name);
          break;
        case "hashed-key":
          input = await reader.hashedKey(value.directory, value.name, value.isDirectory);
          break;
        case "prefix":
          if (items.length === limit) {
            more = true;
            break;
          }
          items.push(value);
          break;
        case "object": {
          if (items.length === limit) {
            more = true;
            break;
          }
          items.push(value);
          if (concurrency === 1) {
            // One at a time (blocking calls): the walk itself holds the directory open meanwhile.
            results.set(value, await visit(value));
            break;
          }
          const { directory } = value;
          if (users.has(directory)) users.set(directory, users.get(directory)! + 1);
          const visiting: Promise<void> = visit(value)
            .then(
              (result) => void results.set(value, result),
              (error: unknown) => void failed.push({ error }),
            )
            .finally(async () => {
              pending.delete(visiting);
              if (users.has(directory)) await drop(directory);
            });
          pending.add(visiting);
          if (pending.size >= concurrency) await Promise.race(pending);
        }
      }
      if (more) break;
    }
    await Promise.all(pending);
    if (failed.length > 0) throw failed[0]!.error;
    return { items, results, more };
  } finally {
    walk.return();
    await Promise.all(pending);
    // The directories the walk was still in when it stopped.
    for (const directory of [...users.keys()]) await drop(directory);
  }
}
