import type { Dirent } from "node:fs";
import type { DriverContext } from "./driver-context.js";
import { breakIfStale } from "./key-lock.js";
import { hostTag, isLockName, isOwnTemporary, isTemporaryName, processAlive, temporaryOwner } from "./owner-tag.js";
import { entryPath, type DirectoryRef } from "./root-directory.js";
import { cleanupUploads } from "./cleanup-uploads.js";
import { activeTemporaries } from "./write-object.js";

/** A temporary file older than this is abandoned, whoever made it. */
const abandonedTemporaryMs = 24 * 60 * 60 * 1000;

/** What {@link cleanupRoot} removed. */
export interface CleanupReport {
  temporaryFiles: number;
  locks: number;
  directories: number;
}

/**
 * Removes what crashed writers left behind: temporary files whose process
 * is gone (or that are older than a day), abandoned locks, and empty
 * directories; in the uploads area, parts a crashed upload was writing
 * (see `cleanupUploads`). Files of live writers, in this process or another, are
 * kept. Descends only into real directories, each opened inside its open
 * parent (never through a link), always through the thread pool.
 */
export async function cleanupRoot(context: DriverContext): Promise<CleanupReport> {
  const { io, root } = context;
  const report: CleanupReport = { temporaryFiles: 0, locks: 0, directories: 0 };
  const visit = async (directory: DirectoryRef): Promise<boolean> => {
    let dirents: Dirent[];
    try {
      dirents = await io.readdir(directory.path);
    } catch {
      return false;
    }
    let remaining = dirents.length;
    for (const dirent of dirents) {
      const path = entryPath(directory, dirent.name);
      if (isTemporaryName(dirent.name)) {
        if (!activeTemporaries.has(dirent.name) && (await temporaryAbandoned(context, dirent.name, path))) {
          try {
            await io.unlink(path);
            report.temporaryFiles++;
            remaining--;
          } catch {
            // gone already, or not a file
          }
        }
      } else if (isLockName(dirent.name)) {
        if (await breakIfStale(path)) {
          report.locks++;
          remaining--;
        }
      } else if (dirent.isDirectory() && context.codec.parse(dirent.name)?.kind === "directory") {
        const child = await root.openChild(directory, dirent.name, io, "skip").catch(() => "missing" as const);
        if (typeof child !== "object") continue;
        let empty: boolean;
        try {
          empty = await visit(child);
        } finally {
          await root.release(child, io);
        }
        if (empty) {
          try {
            await io.rmdir(path);
            report.directories++;
            remaining--;
          } catch {
            // a writer just used it
          }
        }
      }
    }
    return remaining === 0;
  };
  await visit(root);
  // The uploads area (a reserved name the walk above skips): what crashed uploads left.
  await cleanupUploads(context, report, (name, path) => temporaryAbandoned(context, name, path));
  return report;
}

async function temporaryAbandoned(context: DriverContext, name: string, path: string): Promise<boolean> {
  const owner = temporaryOwner(name);
  if (owner !== undefined && owner.host === hostTag && owner.pid !== process.pid && !processAlive(owner.pid)) return true;
  // Our pid but another process's nonce: a dead process whose pid we reuse. Our own
  // temporaries may belong to a put or a layout record another driver in this
  // process is writing right now: only age makes them abandoned.
  if (owner !== undefined && owner.host === hostTag && owner.pid === process.pid && !isOwnTemporary(name)) return true;
  try {
    return Date.now() - (await context.io.lstat(path)).mtimeMs > abandonedTemporaryMs;
  } catch {
    return false;
  }
}
