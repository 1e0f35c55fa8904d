import { readdir, stat } from "node:fs/promises";
import { basename, join, sep } from "node:path";
import type { Storage } from "@stowage/core";
import type { Location } from "./command.js";
import { UsageError } from "./errors.js";

/** One side of a single copy: a local file, stdin/stdout, or an object. */
export type TransferEndpoint =
  | { kind: "file"; path: string }
  | { kind: "stdio" }
  | { kind: "object"; storage: Storage; key: string };

/** One object or file to copy, with the labels its output lines show. */
export interface TransferItem {
  source: TransferEndpoint;
  target: TransferEndpoint;
  /** Bytes to copy when known (from stat or list); undefined for stdin. */
  size: number | undefined;
  sourceLabel: string;
  targetLabel: string;
}

/** The arguments as given, for labels, and their parsed locations. */
export interface TransferArguments {
  source: Location;
  target: Location;
  sourceText: string;
  targetText: string;
  recursive: boolean;
  signal: AbortSignal;
}

/** A key or path label: the storage URL and `#key`, or the local path as given. */
function objectLabel(location: Extract<Location, { kind: "storage" }>, key: string): string {
  return `${location.url}#${key}`;
}

/** `prefix` + `name`, with a `/` between unless the prefix is empty or already ends with one. */
export function joinKey(prefix: string, name: string): string {
  if (prefix === "" || prefix.endsWith("/")) return `${prefix}${name}`;
  return `${prefix}/${name}`;
}

/** The last segment of a key (`a/b/c.txt` -> `c.txt`). */
function keyBasename(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * A relative key made into a path under `root`, refusing keys that would
 * leave it or that no file system can hold (`..`, empty segments, NUL).
 */
export function pathUnder(root: string, relativeKey: string): string {
  const segments = relativeKey.split("/");
  for (const segment of segments) {
    if (segment === "" || segment === "." || segment === ".." || segment.includes("\0") || (sep === "\\" && segment.includes("\\"))) {
      throw new UsageError(`the key segment ${JSON.stringify(segment)} in ${JSON.stringify(relativeKey)} cannot be a local file name`);
    }
  }
  return join(root, ...segments);
}

/** Every regular file under `root`, as `/`-separated relative paths in sorted order. */
export async function walkDirectory(root: string, signal: AbortSignal): Promise<{ relative: string; path: string; size: number }[]> {
  const files: { relative: string; path: string; size: number }[] = [];
  async function visit(directory: string, relative: string): Promise<void> {
    signal.throwIfAborted();
    const entries = await readdir(directory, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(directory, entry.name);
      const name = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await visit(path, name);
      else if (entry.isFile()) files.push({ relative: name, path, size: (await stat(path)).size });
      else if (entry.isSymbolicLink()) {
        const target = await statOrUndefined(path);
        if (target?.isFile()) files.push({ relative: name, path, size: target.size });
        else if (target?.isDirectory()) await visit(path, name);
      }
    }
  }
  await visit(root, "");
  return files;
}

/** Every object under `prefix`, page by page. */
async function listAll(storage: Storage, prefix: string, signal: AbortSignal): Promise<{ key: string; size: number }[]> {
  const objects: { key: string; size: number }[] = [];
  let cursor: string | undefined;
  do {
    const page = await storage.list({ prefix, signal, ...(cursor === undefined ? {} : { cursor }) });
    for (const object of page.objects) objects.push({ key: object.key, size: object.size });
    cursor = page.cursor;
  } while (cursor !== undefined);
  return objects;
}

/** The target endpoint for a relative name under a target directory or prefix. */
function targetUnder(target: Location, targetText: string, relative: string): { endpoint: TransferEndpoint; label: string } {
  if (target.kind === "storage") {
    const key = joinKey(target.key, relative);
    return { endpoint: { kind: "object", storage: target.storage, key }, label: objectLabel(target, key) };
  }
  const path = pathUnder(target.path, relative);
  return { endpoint: { kind: "file", path }, label: localLabel(targetText, relative) };
}

/** A local path as the user wrote it, with a relative name under it (`./src` + `a/b` -> `./src/a/b`). */
function localLabel(text: string, relative: string): string {
  return text.endsWith("/") ? `${text}${relative}` : `${text}/${relative}`;
}

/** Plans `cp -r`: every file under a local directory, or every object under a prefix. */
async function planRecursive(args: TransferArguments): Promise<TransferItem[]> {
  const { source, target, signal } = args;
  if (source.kind === "local" && source.path === "-") throw new UsageError("cp -r cannot read from stdin (-)");
  if (target.kind === "local" && target.path === "-") throw new UsageError("cp -r cannot write to stdout (-)");
  if (source.kind === "local") {
    const info = await statOrUndefined(source.path);
    if (info === undefined) throw new UsageError(`${args.sourceText} does not exist`);
    if (!info.isDirectory()) throw new UsageError(`${args.sourceText} is not a directory (cp -r copies a directory or a prefix)`);
    const files = await walkDirectory(source.path, signal);
    return files.map((file) => {
      const to = targetUnder(target, args.targetText, file.relative);
      const sourceLabel = localLabel(args.sourceText, file.relative);
      return { source: { kind: "file", path: file.path }, target: to.endpoint, size: file.size, sourceLabel, targetLabel: to.label };
    });
  }
  // A prefix names a "directory": `photos` lists `photos/…`, not `photos-old/…`.
  const prefix = source.key === "" || source.key.endsWith("/") ? source.key : `${source.key}/`;
  const objects = await listAll(source.storage, prefix, signal);
  const items: TransferItem[] = [];
  for (const object of objects) {
    const relative = object.key.slice(prefix.length);
    // Folder markers (`photos/` with no body) have no file to become.
    if (target.kind === "local" && relative.endsWith("/")) continue;
    const to = targetUnder(target, args.targetText, relative);
    items.push({
      source: { kind: "object", storage: source.storage, key: object.key },
      target: to.endpoint,
      size: object.size,
      sourceLabel: objectLabel(source, object.key),
      targetLabel: to.label,
    });
  }
  return items;
}

/** Plans a single copy: the target key or path follows the AWS CLI (a directory or a `/`-ended prefix gets the source's name). */
async function planSingle(args: TransferArguments): Promise<TransferItem> {
  const { source, target } = args;
  let from: TransferEndpoint;
  let name: string;
  let size: number | undefined;
  if (source.kind === "local") {
    if (source.path === "-") {
      from = { kind: "stdio" };
      name = "";
      size = undefined;
    } else {
      const info = await statOrUndefined(source.path);
      if (info === undefined) throw new UsageError(`${args.sourceText} does not exist`);
      if (info.isDirectory()) throw new UsageError(`${args.sourceText} is a directory (use cp -r)`);
      from = { kind: "file", path: source.path };
      name = basename(source.path);
      size = info.size;
    }
  } else {
    if (source.key === "" || source.key.endsWith("/")) {
      throw new UsageError(`${args.sourceText} names no object (give URL#key, or use cp -r for a prefix)`);
    }
    from = { kind: "object", storage: source.storage, key: source.key };
    name = keyBasename(source.key);
    size = undefined;
  }
  const sourceLabel = source.kind === "storage" ? objectLabel(source, source.key) : args.sourceText;
  if (target.kind === "storage") {
    let key = target.key;
    if (key === "" || key.endsWith("/")) {
      if (name === "") throw new UsageError(`${args.targetText} names no key to write stdin to (give URL#key)`);
      key = `${key}${name}`;
    }
    return { source: from, target: { kind: "object", storage: target.storage, key }, size, sourceLabel, targetLabel: objectLabel(target, key) };
  }
  if (target.path === "-") return { source: from, target: { kind: "stdio" }, size, sourceLabel, targetLabel: "-" };
  const info = await statOrUndefined(target.path);
  if (info?.isDirectory() || args.targetText.endsWith("/")) {
    const path = pathUnder(target.path, name);
    return { source: from, target: { kind: "file", path }, size, sourceLabel, targetLabel: localLabel(args.targetText, name) };
  }
  return { source: from, target: { kind: "file", path: target.path }, size, sourceLabel, targetLabel: args.targetText };
}

/** What `cp SRC DST [-r]` copies: one item, or one per file or object under the source. */
export async function planTransfers(args: TransferArguments): Promise<TransferItem[]> {
  if (args.source.kind === "local" && args.target.kind === "local") {
    throw new UsageError("cp copies to or from a storage URL: at least one of SRC and DST must be one (use your shell's cp for local files)");
  }
  if (args.recursive) return planRecursive(args);
  return [await planSingle(args)];
}
