import type { DriverContext } from "./driver-context.js";
import { errorCode } from "./map-fs-error.js";
import { temporaryName } from "./owner-tag.js";
import { entryPath, type DirectoryRef } from "./root-directory.js";
import { activeTemporaries } from "./write-object.js";

/**
 * Takes the object file `name` out of `directory` in one atomic step: a
 * rename(2) to a fresh temporary name in the same directory. Whatever file
 * is there at that instant is taken, whole, and no later put is touched.
 * Returns the temporary name (registered as active, so cleanup leaves it
 * alone; see {@link discardDetached}), or null when there was no file.
 */
export async function detachObject(context: DriverContext, directory: DirectoryRef, name: string): Promise<string | null> {
  const detached = temporaryName();
  activeTemporaries.add(detached);
  try {
    await context.io.rename(entryPath(directory, name), entryPath(directory, detached));
    return detached;
  } catch (error) {
    activeTemporaries.delete(detached);
    if (errorCode(error) === "ENOENT") return null;
    throw error;
  }
}

/**
 * Puts a detached file back under `name` with link(2), which never replaces
 * a file: when a put published a newer object there meanwhile, that one is
 * kept (it came later) and false is returned. Call {@link discardDetached}
 * afterwards either way.
 */
export async function restoreObject(context: DriverContext, directory: DirectoryRef, detached: string, name: string): Promise<boolean> {
  try {
    await context.io.link(entryPath(directory, detached), entryPath(directory, name));
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw error;
  }
}

/** Unlinks a detached file's temporary name (a restored file lives on under its key). */
export async function discardDetached(context: DriverContext, directory: DirectoryRef, detached: string): Promise<void> {
  await context.io.unlink(entryPath(directory, detached)).catch(() => {});
  activeTemporaries.delete(detached);
}
