import { compareUtf8, StorageError, type DriverMoveOptions, type ObjectInfo } from "@stowage/core";
import { closeSource, discardTarget, openSource, prepareTarget, SourceChanged, targetFields, type OpenedSource } from "./clone-object.js";
import { sourceChangeAttempts } from "./copy-object.js";
import { pruneDirectories } from "./delete-objects.js";
import { detachObject, discardDetached, restoreObject } from "./detach-object.js";
import { locateKey, throwIfAborted, type DriverContext, type KeyLocation } from "./driver-context.js";
import { acquireKeyLock } from "./key-lock.js";
import { errorCode, mapFsError } from "./map-fs-error.js";
import { lockPrefix } from "./owner-tag.js";
import { entryPath, syncDirectory, type DirectoryChain, type DirectoryRef } from "./root-directory.js";
import { commit } from "./write-object.js";

/** A key's directories held open, and its lock held. */
interface HeldKey {
  readonly chain: DirectoryChain;
  readonly release: () => Promise<void>;
}

/**
 * Moves an object under both keys' locks (taken in key order, so two moves
 * in opposite directions cannot deadlock): the target is written from the
 * open source as a copy is (a kernel clone plus a new header: the header
 * holds the key, so a bare rename(2) would not do) and published, then the
 * source is taken away with one rename(2) to a temporary name and removed
 * only if it is still the very file that was copied. A plain put (which
 * takes no lock) that replaced the source meanwhile is put back and the
 * move fails with `PreconditionFailed`: no write is lost. Between the
 * target's publication and the source's removal (two system calls) a
 * reader without locks can see both keys, never neither; a crash there
 * leaves both.
 */
export async function moveObject(context: DriverContext, from: string, to: string, options: DriverMoveOptions): Promise<ObjectInfo> {
  const sourceLocation = locateKey(context.codec, from);
  const targetLocation = locateKey(context.codec, to);
  const held: HeldKey[] = [];
  let source: HeldKey | null = null;
  let target: HeldKey | null = null;
  let moved = false;
  try {
    throwIfAborted(options.signal, "move");
    for (const key of compareUtf8(from, to) < 0 ? [from, to] : [to, from]) {
      const isSource = key === from;
      const hold = await holdKey(context, key, isSource ? sourceLocation : targetLocation, !isSource, options.signal);
      if (hold === null) throw new StorageError("NotFound", `${from} does not exist`);
      held.push(hold);
      if (isSource) source = hold;
      else target = hold;
    }
    const info = await moveHeld(context, from, to, source!.chain.last, sourceLocation, targetLocation, options);
    moved = true;
    return info;
  } catch (error) {
    throw mapFsError(error, `move ${from} to ${to}`);
  } finally {
    for (const hold of held.reverse()) await hold.release();
    // The lock files are gone: prune what the move left empty.
    if (moved && source !== null) await pruneDirectories(context, source.chain, sourceLocation.directoryNames);
    if (!moved && target !== null) await pruneDirectories(context, target.chain, targetLocation.directoryNames);
    for (const hold of held) await hold.chain.close();
  }
}

/** The move itself, with both locks held. */
async function moveHeld(
  context: DriverContext,
  from: string,
  to: string,
  sourceDirectory: DirectoryRef,
  sourceLocation: KeyLocation,
  targetLocation: KeyLocation,
  options: DriverMoveOptions,
): Promise<ObjectInfo> {
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(options.signal, "move");
    const source = await openSource(context, sourceDirectory, sourceLocation.fileName, from, options.ifMatch);
    if (source === null) throw new StorageError("NotFound", `${from} does not exist`);
    try {
      if (options.ifNotExists && (await nameExists(context, targetLocation))) throw new StorageError("AlreadyExists", `${to} already exists`);
      let prepared;
      try {
        prepared = await prepareTarget(context, source, targetLocation, targetFields(source.parsed.info, to, undefined), options.signal);
      } catch (error) {
        if (error instanceof SourceChanged && attempt < sourceChangeAttempts) continue;
        throw error;
      }
      let published = false;
      try {
        // A plain put replaced the source since it was opened: start again from the new one.
        if (!(await stillNamed(context, sourceDirectory, sourceLocation.fileName, source))) {
          if (attempt < sourceChangeAttempts) continue;
          throw new StorageError("Unavailable", `${from} kept being replaced while it was being moved`);
        }
        throwIfAborted(options.signal, "move");
        await commit(context, prepared.chain, prepared.temporary, targetLocation, to, { ifNotExists: options.ifNotExists === true });
        published = true;
      } finally {
        if (published) await prepared.chain.close();
        else await discardTarget(context, prepared);
      }
      await removeSource(context, sourceDirectory, sourceLocation.fileName, source, from, to);
      return prepared.info;
    } finally {
      await closeSource(context, source.descriptor);
    }
  }
}

/**
 * Takes the source's name away (one rename(2) to a temporary name), then
 * removes the file taken if it is the one that was copied. Otherwise a
 * plain put published a newer source after the check: it is put back (with
 * link(2), so a still newer put is not replaced) and the move fails.
 */
async function removeSource(context: DriverContext, directory: DirectoryRef, name: string, source: OpenedSource, from: string, to: string): Promise<void> {
  const detached = await detachObject(context, directory, name);
  // Gone already (removed behind the driver's back): the target holds it.
  if (detached === null) return;
  try {
    const taken = await context.io.lstat(entryPath(directory, detached));
    if (taken.ino !== source.stats.ino || taken.dev !== source.stats.dev) {
      await restoreObject(context, directory, detached, name);
      throw new StorageError(
        "PreconditionFailed",
        `${from} was replaced while it was being moved: ${to} holds the version that was moved (etag ${source.parsed.info.etag}), and the newer ${from} was kept`,
      );
    }
  } finally {
    await discardDetached(context, directory, detached);
  }
  if (context.durable) await syncDirectory(directory);
}

/** True when `name` in `directory` is still the source's file (same device and inode). */
async function stillNamed(context: DriverContext, directory: DirectoryRef, name: string, source: OpenedSource): Promise<boolean> {
  try {
    const stats = await context.meta.lstat(entryPath(directory, name));
    return stats.ino === source.stats.ino && stats.dev === source.stats.dev;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw error;
  }
}

/** True when anything is at the key's name (ifNotExists refuses it; the link at commit decides in the end). */
async function nameExists(context: DriverContext, location: KeyLocation): Promise<boolean> {
  const chain = await context.root.openChain(location.directoryNames, context.meta);
  if (chain === null) return false;
  try {
    await context.meta.lstat(entryPath(chain.last, location.fileName));
    return true;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw error;
  } finally {
    await chain.close();
  }
}

/**
 * Opens a key's directories (creating them for the target) and takes its
 * lock. Null when the directories of a source are missing (no such key).
 */
async function holdKey(context: DriverContext, key: string, location: KeyLocation, create: boolean, signal: AbortSignal | undefined): Promise<HeldKey | null> {
  for (let attempt = 0; ; attempt++) {
    const chain = await context.root.openChain(
      location.directoryNames,
      context.meta,
      create ? { mode: context.directoryMode, sync: context.durable } : undefined,
    );
    if (chain === null) return null;
    try {
      const release = await acquireKeyLock(entryPath(chain.last, lockPrefix + location.fileName), signal, `of ${key}`);
      return { chain, release };
    } catch (error) {
      await chain.close();
      // The directory was pruned (left empty by a delete) between opening it and locking in it.
      if (errorCode(error) === "ENOENT") {
        if (!create) return null;
        if (attempt < 10) continue;
      }
      throw error;
    }
  }
}
