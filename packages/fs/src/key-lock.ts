import { link, lstat, readlink, rename, symlink, unlink } from "node:fs/promises";
import { StorageError } from "@stowage/core";
import { errorCode } from "./map-fs-error.js";
import { hostTag, lockOwner, parseLockOwner, processAlive } from "./owner-tag.js";

/** A lock older than this is taken to be abandoned, whoever holds it. */
export const staleLockMs = 30_000;
const waitLimitMs = 60_000;

/**
 * A per-key lock that holds across processes. The lock is a symbolic link
 * created with symlink(2), which fails with EEXIST when the name exists, so
 * creating it is atomic; its target text (never followed) records the
 * owner's host, pid and a nonce. A lock whose owner died on this host, or
 * which is older than {@link staleLockMs}, is broken: it is renamed away
 * first, so two waiters cannot both break the same lock.
 *
 * `lockPath` names the lock inside its directory (a `/proc/<pid>/fd/<n>/`
 * path: see `RootDirectory`); `label` names it in messages.
 *
 * Returns the release function.
 */
export async function acquireKeyLock(lockPath: string, signal?: AbortSignal, label = lockPath): Promise<() => Promise<void>> {
  const owner = lockOwner();
  const started = Date.now();
  let delay = 1;
  for (;;) {
    try {
      await symlink(owner, lockPath);
      return async () => {
        try {
          if ((await readlink(lockPath)) === owner) await unlink(lockPath);
        } catch {
          // already gone (broken as stale, or the directory was removed)
        }
      };
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw error;
    }
    if (await breakIfStale(lockPath)) continue;
    if (signal?.aborted) throw new StorageError("Aborted", `The operation was aborted while waiting for the lock ${label}`, { cause: signal.reason });
    if (Date.now() - started > waitLimitMs) {
      throw new StorageError("Unavailable", `fs: the lock ${label} stayed busy for ${waitLimitMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 20);
  }
}

/** True when the lock at `lockPath` was abandoned and has been removed. */
export async function breakIfStale(lockPath: string): Promise<boolean> {
  let text: string;
  let age: number;
  try {
    text = await readlink(lockPath);
    age = Date.now() - (await lstat(lockPath)).mtimeMs;
  } catch (error) {
    // Released meanwhile: try again at once.
    return errorCode(error) === "ENOENT";
  }
  if (!isStale(text, age)) return false;
  const moved = `${lockPath}%stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await rename(lockPath, moved);
  } catch {
    return true;
  }
  try {
    if ((await readlink(moved)) !== text) {
      // We moved a fresh lock that replaced the stale one: put it back.
      await link(moved, lockPath).catch(() => {});
    }
  } finally {
    await unlink(moved).catch(() => {});
  }
  return true;
}

/** True when a lock with owner `text` and age `ageMs` is abandoned. */
export function isStale(text: string, ageMs: number): boolean {
  if (ageMs > staleLockMs) return true;
  const owner = parseLockOwner(text);
  if (owner === undefined) return false;
  return owner.host === hostTag && !processAlive(owner.pid);
}
