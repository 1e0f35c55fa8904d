import type { Dirent, Stats } from "node:fs";
import { StorageError, type DriverListOptions, type ListPage, type ObjectInfo } from "@stowage/core";
import { throwIfAborted, type DriverContext } from "./driver-context.js";
import { errorCode, mapFsError } from "./map-fs-error.js";
import { readFlags } from "./open-flags.js";
import { headReadBytes } from "./read-object.js";
import { readObjectStart, uninitializedBytes } from "./read-object-start.js";
import { entryPath, type DirectoryRef } from "./root-directory.js";
import { runWalk, type WalkObject, type WalkReader } from "./sorted-walk.js";

/** Header reads in flight at once while listing through the thread pool. */
const listConcurrency = 32;

/**
 * Lists a page: opens the prefix's directories from the root (a link on
 * the way is refused), walks from there in key order, and reads each listed
 * object's info while its directory is open (from the info cache when the
 * file is unchanged).
 */
export async function listObjects(context: DriverContext, options: DriverListOptions): Promise<ListPage> {
  const { prefix, delimiter, limit } = options;
  let after: string | undefined;
  let skipPrefix: string | undefined;
  if (options.cursor !== undefined) {
    const kind = options.cursor.slice(0, 2);
    if (kind !== "k:" && kind !== "p:") throw new StorageError("InvalidArgument", "The cursor was not made by the fs driver");
    after = options.cursor.slice(2);
    if (kind === "p:") skipPrefix = after;
  } else if (options.startAfter !== undefined) {
    after = options.startAfter;
  }
  try {
    throwIfAborted(options.signal, "list");
    const slash = prefix.lastIndexOf("/");
    const directorySegments = slash < 0 ? [] : prefix.slice(0, slash).split("/");
    // A prefix whose directory part cannot occur in a legal key lists nothing.
    if (!directorySegments.every(isLegalSegment)) return { objects: [], prefixes: [] };
    const names = directorySegments.map((segment) => context.codec.directoryName(segment));
    const chain = await context.root.openChain(names, context.meta);
    if (chain === null) return { objects: [], prefixes: [] };
    const buffers = new HeaderBuffers();
    try {
      const { items, results, more } = await runWalk(
        {
          directory: chain.last,
          relativePath: names.join("/"),
          keyPrefix: slash < 0 ? "" : prefix.slice(0, slash + 1),
          namePrefix: prefix.slice(slash + 1),
          delimiter,
          after,
          skipPrefix,
          codec: context.codec,
        },
        limit,
        walkReader(context, options.signal, buffers),
        (item) => objectInfo(context, item, buffers),
        context.blocking ? 1 : listConcurrency,
      );
      const objects: ObjectInfo[] = [];
      const prefixes: string[] = [];
      for (const item of items) {
        if (item.kind === "prefix") prefixes.push(item.prefix);
        else {
          const info = results.get(item);
          if (info) objects.push(info);
        }
      }
      const page: ListPage = { objects, prefixes };
      if (more) {
        const last = items[items.length - 1]!;
        page.cursor = last.kind === "prefix" ? `p:${last.prefix}` : `k:${last.key}`;
      }
      return page;
    } finally {
      await chain.close();
    }
  } catch (error) {
    throw mapFsError(error, `list ${prefix}`);
  }
}

function isLegalSegment(segment: string): boolean {
  return segment.length > 0 && segment !== "." && segment !== ".." && !/[\u0000-\u001f\u007f]/.test(segment);
}

/** A listed object's info: from the cache when the file is unchanged (one lstat), else from its header. */
async function objectInfo(context: DriverContext, item: WalkObject, buffers: HeaderBuffers): Promise<ObjectInfo | null> {
  // Nothing cached for this path: no lstat, whatever the file is now.
  if (context.infoCache.has(item.relativePath)) {
    let stats;
    try {
      stats = await context.meta.lstat(entryPath(item.directory, item.name));
    } catch {
      context.infoCache.forget(item.relativePath);
      return null;
    }
    const cached = context.infoCache.lookup(item.relativePath, stats);
    if (cached !== undefined) {
      cached.key = item.key;
      return cached;
    }
  }
  return readAndRemember(context, item, buffers);
}

/** Unknown or changed: reads the header, and remembers it with the stats of the file it was read from. */
async function readAndRemember(context: DriverContext, item: WalkObject, buffers: HeaderBuffers): Promise<ObjectInfo | null> {
  const read = await readHeaderInfo(context, item.directory, item.name, buffers, true);
  if (read === null) {
    context.infoCache.forget(item.relativePath);
    return null;
  }
  read.info.key = item.key;
  context.infoCache.remember(item.relativePath, read.stats!, read.info);
  return read.info;
}

/**
 * Header read buffers for one listing: reused once a header is parsed (the
 * parsed info copies what it keeps), one per read in flight.
 */
class HeaderBuffers {
  private readonly free: Uint8Array[] = [];
  take(): Uint8Array {
    return this.free.pop() ?? uninitializedBytes(headReadBytes);
  }
  give(buffer: Uint8Array): void {
    this.free.push(buffer);
  }
}

/**
 * The info in the header of the file `name` in `directory` (opened inside
 * the open directory, never through a link), and, when `withStats`, the
 * stats of the file it was read from (fstat); null when it is not an object
 * (or a link, or gone).
 */
async function readHeaderInfo(
  context: DriverContext,
  directory: DirectoryRef,
  name: string,
  buffers: HeaderBuffers,
  withStats = false,
): Promise<{ info: ObjectInfo; stats: Stats | undefined } | null> {
  let descriptor: number;
  try {
    descriptor = await context.meta.open(entryPath(directory, name), readFlags);
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT" || code === "ELOOP" || code === "ENOTDIR") return null;
    throw error;
  }
  const buffer = buffers.take();
  try {
    let stats: Stats | undefined;
    if (withStats) {
      stats = await context.meta.fstat(descriptor);
      if (!stats.isFile()) return null;
    }
    const info = (await readObjectStart(context.meta, descriptor, headReadBytes, buffer))?.parsed.info;
    return info === undefined ? null : { info, stats };
  } finally {
    buffers.give(buffer);
    try {
      await context.meta.close(descriptor);
    } catch {
      // already unusable
    }
  }
}

/** The walk's disk access, with the driver's metadata calls (blocking or not) and its root. */
function walkReader(context: DriverContext, signal: AbortSignal | undefined, buffers: HeaderBuffers): WalkReader {
  const { meta, root, codec } = context;
  const readDirectory = async (directory: DirectoryRef): Promise<Dirent[]> => {
    throwIfAborted(signal, "list");
    try {
      return await meta.readdir(directory.path);
    } catch (error) {
      if (errorCode(error) === "ENOENT" || errorCode(error) === "ENOTDIR") return [];
      throw error;
    }
  };
  const openDirectory = async (parent: DirectoryRef, name: string): Promise<DirectoryRef | undefined> => {
    const child = await root.openChild(parent, name, meta, "skip");
    return typeof child === "object" ? child : undefined;
  };
  /** Any key stored below a (hashed) directory: it names the directory's full segment. */
  const anyKeyBelow = async (parent: DirectoryRef, name: string): Promise<string | undefined> => {
    const directory = await openDirectory(parent, name);
    if (directory === undefined) return undefined;
    try {
      for (const dirent of await readDirectory(directory)) {
        const parsed = codec.parse(dirent.name);
        if (parsed === undefined) continue;
        const key =
          parsed.kind === "object" && dirent.isFile()
            ? (await readHeaderInfo(context, directory, dirent.name, buffers).catch(() => null))?.info.key
            : parsed.kind === "directory" && dirent.isDirectory()
              ? await anyKeyBelow(directory, dirent.name)
              : undefined;
        if (key !== undefined) return key;
      }
      return undefined;
    } finally {
      await root.release(directory, meta);
    }
  };
  return {
    readDirectory,
    openDirectory,
    closeDirectory: (directory) => root.release(directory, meta),
    async entryType(directory, name) {
      try {
        const stats = await meta.lstat(entryPath(directory, name));
        return stats.isDirectory() ? "directory" : stats.isFile() ? "file" : "other";
      } catch {
        return "other";
      }
    },
    async hashedKey(directory, name, isDirectory) {
      if (isDirectory) return anyKeyBelow(directory, name);
      return (await readHeaderInfo(context, directory, name, buffers).catch(() => null))?.info.key;
    },
  };
}
