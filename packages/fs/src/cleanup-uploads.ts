import type { DriverContext } from "./driver-context.js";
import { breakIfStale } from "./key-lock.js";
import { isLockName, isTemporaryName } from "./owner-tag.js";
import { entryPath, type DirectoryRef } from "./root-directory.js";
import { isUploadId, openUploadsDirectory, readManifest, removeDirectory } from "./upload-staging.js";
import { activeTemporaries } from "./write-object.js";

/** An upload directory without a manifest (a creation that crashed) older than this is removed. */
const unfinishedCreationMs = 60 * 60 * 1000;

/** What cleanup counts. */
export interface UploadCleanupCounts {
  temporaryFiles: number;
  locks: number;
  directories: number;
}

/**
 * Removes what crashed uploads left in `%uploads`: parts being written by
 * a process that is gone (a part is renamed into place only when whole, so
 * this is all a crash mid-part leaves), abandoned completion locks,
 * directories of aborted or completed uploads a crash left half removed,
 * and upload directories whose creation never finished. Uploads in
 * progress are kept, whoever made them: a session outlives the process
 * that created it (end abandoned ones with `storage.uploads.abortAll`).
 */
export async function cleanupUploads(
  context: DriverContext,
  counts: UploadCleanupCounts,
  abandoned: (name: string, path: string) => Promise<boolean>,
): Promise<void> {
  const uploads = await openUploadsDirectory(context).catch(() => null);
  if (uploads === null) return;
  try {
    for (const entry of await context.io.readdir(uploads.last.path)) {
      const path = entryPath(uploads.last, entry.name);
      if (isTemporaryName(entry.name)) {
        // A discarded upload (renamed away before its files were removed).
        if (!activeTemporaries.has(entry.name) && (await abandoned(entry.name, path))) {
          await removeDirectory(context, uploads.last, entry.name);
          counts.directories++;
        }
        continue;
      }
      if (!isUploadId(entry.name) || !entry.isDirectory()) continue;
      const upload = await context.root.openChild(uploads.last, entry.name, context.io, "skip").catch(() => "missing" as const);
      if (typeof upload !== "object") continue;
      let unfinished = false;
      try {
        await cleanupUpload(context, upload, counts, abandoned);
        if ((await readManifest(context, upload)) === undefined) {
          unfinished = Date.now() - (await context.io.lstat(path)).mtimeMs > unfinishedCreationMs;
        }
      } finally {
        await context.root.release(upload, context.io);
      }
      if (unfinished) {
        await removeDirectory(context, uploads.last, entry.name);
        counts.directories++;
      }
    }
  } finally {
    await uploads.close();
  }
}

/** Abandoned part files and stale completion locks inside one upload's directory. */
async function cleanupUpload(
  context: DriverContext,
  directory: DirectoryRef,
  counts: UploadCleanupCounts,
  abandoned: (name: string, path: string) => Promise<boolean>,
): Promise<void> {
  for (const entry of await context.io.readdir(directory.path)) {
    const path = entryPath(directory, entry.name);
    if (isTemporaryName(entry.name)) {
      if (activeTemporaries.has(entry.name) || !(await abandoned(entry.name, path))) continue;
      try {
        await context.io.unlink(path);
        counts.temporaryFiles++;
      } catch {
        // gone already
      }
    } else if (isLockName(entry.name) && (await breakIfStale(path))) {
      counts.locks++;
    }
  }
}
