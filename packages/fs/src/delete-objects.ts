import { StorageError, type DriverDeleteOptions } from "@stowage/core";
import { locateKey, throwIfAborted, type DriverContext } from "./driver-context.js";
import { acquireKeyLock } from "./key-lock.js";
import { errorCode, mapFsError } from "./map-fs-error.js";
import { lockPrefix } from "./owner-tag.js";
import { detachObject, discardDetached, restoreObject } from "./detach-object.js";
import { readInfoIn } from "./read-object.js";
import { entryPath, syncDirectory, type DirectoryChain, type DirectoryRef } from "./root-directory.js";

const deleteConcurrency = 16;

/**
 * Deletes keys (a missing key is not an error), 16 at a time; the signal is
 * checked before each. With `ifMatch` (one key), deletes only the object
 * with that etag, and rejects with `PreconditionFailed` otherwise.
 */
export async function deleteObjects(context: DriverContext, keys: string[], options: DriverDeleteOptions): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      try {
        throwIfAborted(options.signal, "delete");
        await deleteOne(context, key, options.signal, options.ifMatch);
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
 * left empty. Every name is resolved inside a directory held open. With
 * `ifMatch`, the etag is read under the lock: a plain put that renames a
 * new file in between is then unlinked only if it is the very file checked
 * (see {@link unlinkIfMatch}).
 */
async function deleteOne(context: DriverContext, key: string, signal: AbortSignal | undefined, ifMatch: string | undefined): Promise<void> {
  const location = locateKey(context.codec, key);
  const chain = await context.root.openChain(location.directoryNames, context.meta);
  const missing = () => {
    if (ifMatch !== undefined) throw new StorageError("PreconditionFailed", `${key} does not exist, so it does not have etag ${ifMatch}`);
  };
  if (chain === null) return missing();
  try {
    const directory = chain.last;
    const file = entryPath(directory, location.fileName);
    try {
      await context.meta.lstat(file);
    } catch (error) {
      if (errorCode(error) === "ENOENT") return missing();
      throw error;
    }
    let release: () => Promise<void>;
    try {
      release = await acquireKeyLock(entryPath(directory, lockPrefix + location.fileName), signal, `of ${key}`);
    } catch (error) {
      if (errorCode(error) === "ENOENT") return missing();
      throw error;
    }
    try {
      if (ifMatch !== undefined) await unlinkIfMatch(context, directory, location.fileName, key, ifMatch);
      else await context.io.unlink(file);
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
      missing();
    } finally {
      await release();
    }
    if (context.durable) await syncDirectory(directory);
    await pruneDirectories(context, chain, location.directoryNames);
  } finally {
    await chain.close();
  }
}

/**
 * Unlinks the object file `name` in `directory` only if its etag is
 * `ifMatch`, and only that very file. The caller holds the key's lock, so
 * no conditional writer or delete runs meanwhile, but a plain put takes no
 * lock: the file is checked, then taken away by one rename(2) to a
 * temporary name and checked again. A file that no longer matches (a plain
 * put renamed a new one in between) is put back (see {@link restoreObject})
 * and the delete fails.
 */
async function unlinkIfMatch(context: DriverContext, directory: DirectoryRef, name: string, key: string, ifMatch: string): Promise<void> {
  const current = await readInfoIn(context, directory, name);
  if (current === null) throw new StorageError("PreconditionFailed", `${key} does not exist, so it does not have etag ${ifMatch}`);
  if (current.info.etag !== ifMatch) throw new StorageError("PreconditionFailed", `${key} has etag ${current.info.etag}, not ${ifMatch}`);
  const detached = await detachObject(context, directory, name);
  if (detached === null) throw new StorageError("PreconditionFailed", `${key} does not exist any more, so it does not have etag ${ifMatch}`);
  try {
    const taken = await readInfoIn(context, directory, detached);
    if (taken === null || taken.info.etag !== ifMatch) {
      await restoreObject(context, directory, detached, name);
      throw new StorageError("PreconditionFailed", `${key} was replaced while it was being deleted; the newer object was kept`);
    }
  } finally {
    await discardDetached(context, directory, detached);
  }
}

/** Removes the key's directories that are now empty, deepest first, up to the root. */
export async function pruneDirectories(context: DriverContext, chain: DirectoryChain, names: string[]): Promise<void> {
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
