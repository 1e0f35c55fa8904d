import type { DriverOperationOptions } from "@stowage/core";
import { locateKey, throwIfAborted, type DriverContext } from "./driver-context.js";
import { acquireKeyLock } from "./key-lock.js";
import { errorCode, mapFsError } from "./map-fs-error.js";
import { lockPrefix } from "./owner-tag.js";
import { entryPath, syncDirectory, type DirectoryChain } from "./root-directory.js";

const deleteConcurrency = 16;

/** Deletes keys (a missing key is not an error), 16 at a time; the signal is checked before each. */
export async function deleteObjects(context: DriverContext, keys: string[], options: DriverOperationOptions): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      try {
        throwIfAborted(options.signal, "delete");
        await deleteOne(context, key, options.signal);
      } catch (error) {
        throw mapFsError(error, `delete ${key}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(deleteConcurrency, keys.length) }, worker));
}

/**
 * Unlinks the key's file under its lock (so a delete never slips between a
 * compare-and-swap's check and its rename), then removes the directories
 * left empty. Every name is resolved inside a directory held open.
 */
async function deleteOne(context: DriverContext, key: string, signal: AbortSignal | undefined): Promise<void> {
  const location = locateKey(context.codec, key);
  const chain = await context.root.openChain(location.directoryNames, context.meta);
  if (chain === null) return;
  try {
    const directory = chain.last;
    const file = entryPath(directory, location.fileName);
    try {
      await context.meta.lstat(file);
    } catch (error) {
      if (errorCode(error) === "ENOENT") return;
      throw error;
    }
    let release: () => Promise<void>;
    try {
      release = await acquireKeyLock(entryPath(directory, lockPrefix + location.fileName), signal, `of ${key}`);
    } catch (error) {
      if (errorCode(error) === "ENOENT") return;
      throw error;
    }
    try {
      await context.io.unlink(file);
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
    } finally {
      await release();
    }
    if (context.durable) await syncDirectory(directory);
    await pruneDirectories(context, chain, location.directoryNames);
  } finally {
    await chain.close();
  }
}

/** Removes the key's directories that are now empty, deepest first, up to the root. */
async function pruneDirectories(context: DriverContext, chain: DirectoryChain, names: string[]): Promise<void> {
  for (let depth = names.length; depth > 0; depth--) {
    const parent = chain.levels[depth - 1]!;
    try {
      await context.io.rmdir(entryPath(parent, names[depth - 1]!));
    } catch {
      return;
    }
    if (context.durable) await syncDirectory(parent).catch(() => {});
  }
}
