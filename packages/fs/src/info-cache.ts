import type { Stats } from "node:fs";
import type { ObjectInfo } from "@stowage/core";

const defaultCapacity = 10_000;

interface CachedInfo {
  ino: number;
  size: number;
  ctimeMs: number;
  mtimeMs: number;
  info: ObjectInfo;
}

/**
 * Remembers the info parsed from object headers while listing, keyed by
 * path and checked against the file's identity on every use: inode number,
 * size, ctime and mtime (sub-microsecond). Every put publishes a new inode
 * by rename, so a changed object never matches a stale entry, whichever
 * process wrote it. A hit costs one lstat instead of open, read and close.
 */
export class InfoCache {
  private readonly entries = new Map<string, CachedInfo>();

  constructor(private readonly capacity = defaultCapacity) {}

  /**
   * The cached info for the file at `path` (relative to the root) if `stats`
   * (its lstat, taken now) show it is still the file the info was read
   * from; undefined when unknown or changed (read the header, then
   * {@link remember} it with these stats).
   */
  lookup(path: string, stats: Stats): ObjectInfo | undefined {
    const cached = this.entries.get(path);
    if (
      cached !== undefined &&
      cached.ino === stats.ino &&
      cached.size === stats.size &&
      cached.ctimeMs === stats.ctimeMs &&
      cached.mtimeMs === stats.mtimeMs
    ) {
      return copyInfo(cached.info);
    }
    return undefined;
  }

  /** Whether anything is cached for `path` (if not, a lookup would miss whatever the file is now). */
  has(path: string): boolean {
    return this.entries.has(path);
  }

  /** Drops what is known of a file that is gone. */
  forget(path: string): void {
    this.entries.delete(path);
  }

  /** Stores info read from the file whose stats were passed to `lookup`. */
  remember(path: string, stats: Stats, info: ObjectInfo): void {
    if (!stats.isFile()) return;
    this.entries.delete(path);
    if (this.entries.size >= this.capacity) {
      // Drop the oldest entry (Map keeps insertion order).
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(path, { ino: stats.ino, size: stats.size, ctimeMs: stats.ctimeMs, mtimeMs: stats.mtimeMs, info: copyInfo(info) });
  }
}

function copyInfo(info: ObjectInfo): ObjectInfo {
  return { ...info, lastModified: new Date(info.lastModified.getTime()), metadata: { ...info.metadata } };
}
