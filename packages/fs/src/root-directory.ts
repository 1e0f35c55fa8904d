import { constants, fstat, stat } from "node:fs";
import { chmod, mkdir } from "node:fs/promises";
import { dirname, sep } from "node:path";
import { StorageError } from "@stowage/core";
import { threadPoolCalls, type MetadataCalls } from "./fs-calls.js";
import { errorCode } from "./map-fs-error.js";

/** Opens a directory level: never through a symbolic link at that name. */
const directoryFlags = constants.O_RDONLY | (constants.O_DIRECTORY ?? 0) | (constants.O_NOFOLLOW ?? 0);
/**
 * Where the kernel lists this process's descriptors. `/proc/<pid>` rather
 * than `/proc/self`: the same directory, minus one symbolic link to resolve
 * on every call (about 3 µs).
 */
const descriptorDirectory = `/proc/${process.pid}/fd/`;

/**
 * How the driver keeps every file call inside the root.
 *
 * - `"descriptor"` (Linux): each directory level is opened with
 *   `O_DIRECTORY | O_NOFOLLOW` inside its already-open parent, and every
 *   call names its file as `/proc/<pid>/fd/<directory>/<name>`. The kernel
 *   resolves `/proc/<pid>/fd/<n>` to the open directory itself, so the one
 *   name after it is looked up inside that directory, as openat(2) would:
 *   a directory swapped for a symbolic link at any moment is never followed.
 * - `"path"` (where `/proc/<pid>/fd` is missing: macOS, Windows, a container
 *   without /proc): each level is checked with lstat (a symbolic link is
 *   refused) and then used by its full path. Planted links are refused, but
 *   a link swapped in between the check and the use is followed.
 */
export type Confinement = "descriptor" | "path";

/** A directory inside the root, and how to name an entry in it. */
export interface DirectoryRef {
  /** The path that names the directory itself: `/proc/<pid>/fd/<n>`, or its full path. */
  readonly path: string;
  /** Its open descriptor (undefined in the `"path"` confinement). */
  readonly descriptor: number | undefined;
}

/** The path of `name` inside `directory`. */
export function entryPath(directory: DirectoryRef, name: string): string {
  return directory.path + sep + name;
}

/** What a name in a directory turned out to be when opened as a directory. */
export type OpenedChild = DirectoryRef | "missing" | "not-directory";

let forcedConfinement: Confinement | undefined;

/** For tests: use this confinement for roots opened from now on (undefined: detect). */
export function forceConfinementForTesting(confinement: Confinement | undefined): void {
  forcedConfinement = confinement;
}

/** Closes the root's descriptor when a driver is dropped without `close()`. */
const dropped = new FinalizationRegistry<number>((descriptor) => threadPoolCalls.close(descriptor).catch(() => {}));

/**
 * The driver's root, held open for the driver's life, and the resolution of
 * key directories one level at a time from it (see {@link Confinement}).
 */
export class RootDirectory implements DirectoryRef {
  private closed = false;

  private constructor(
    readonly path: string,
    readonly descriptor: number | undefined,
    readonly confinement: Confinement,
    /** The root as given (for messages). */
    readonly display: string,
  ) {
    if (descriptor !== undefined) dropped.register(this, descriptor, this);
  }

  /**
   * Creates the root when missing (each directory created gets
   * `directoryMode`, whatever the umask), opens it, and picks the
   * confinement: `"descriptor"` when `/proc/<pid>/fd/<n>` names the open
   * root itself, else `"path"`.
   */
  static async open(path: string, directoryMode: number): Promise<RootDirectory> {
    const created = await mkdir(path, { recursive: true, mode: directoryMode });
    if (created !== undefined) {
      for (let directory = path; ; directory = dirname(directory)) {
        await chmod(directory, directoryMode);
        if (directory.length <= created.length) break;
      }
    }
    let descriptor: number | undefined;
    try {
      descriptor = await threadPoolCalls.open(path, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
    } catch (error) {
      // Windows cannot open a directory; the "path" confinement needs no descriptor.
      if (errorCode(error) !== "EISDIR" && errorCode(error) !== "EPERM") throw error;
    }
    const confinement = forcedConfinement ?? (descriptor !== undefined && (await namesItself(descriptor)) ? "descriptor" : "path");
    if (confinement === "descriptor") return new RootDirectory(descriptorDirectory + descriptor, descriptor, confinement, path);
    return new RootDirectory(path, descriptor, confinement, path);
  }

  /**
   * Opens the directories `names` (each ending in `%`) one level at a time
   * from the root. Without `create`, resolves null when one is missing or
   * is a file. With `create`, makes the missing ones (mode `create.mode`,
   * whatever the umask; with `create.sync` the parent is fsynced after
   * each) and refuses a file on the way with `PermissionDenied`. A symbolic
   * link on the way is always refused with `PermissionDenied`. Close the
   * returned chain when done with it.
   */
  async openChain(
    names: readonly string[],
    calls: MetadataCalls,
    create?: { mode: number; sync: boolean },
  ): Promise<DirectoryChain | null> {
    if (this.closed) throw new StorageError("InvalidArgument", `fs: the driver of ${this.display} was closed`);
    const chain = new DirectoryChain([this], calls);
    try {
      for (let depth = 0; depth < names.length; depth++) {
        const parent = chain.last;
        const name = names[depth]!;
        let child = await this.openChild(parent, name, calls, "refuse");
        if (child === "missing" && create !== undefined) {
          let made = true;
          try {
            await calls.mkdir(entryPath(parent, name), create.mode);
          } catch (error) {
            if (errorCode(error) !== "EEXIST") throw error;
            made = false;
          }
          child = await this.openChild(parent, name, calls, "refuse");
          if (typeof child === "object") {
            chain.levels.push(child);
            if (made) {
              // mkdir's mode passes through the umask; set it exactly.
              if (child.descriptor !== undefined) await calls.fchmod(child.descriptor, create.mode);
              else await chmod(child.path, create.mode);
              if (create.sync) await syncDirectory(parent);
            }
            continue;
          }
          // Removed again at once (a concurrent delete pruned it): the caller retries.
          if (child === "missing") throw Object.assign(new Error(`${name} vanished after mkdir`), { code: "ENOENT" });
        }
        if (child === "not-directory" && create !== undefined) {
          throw new StorageError("PermissionDenied", `fs: ${names.slice(0, depth + 1).join(sep)} in ${this.display} is not a directory; refusing to use it`);
        }
        if (typeof child !== "object") {
          await chain.close();
          return null;
        }
        chain.levels.push(child);
      }
      return chain;
    } catch (error) {
      await chain.close();
      throw error;
    }
  }

  /**
   * Opens the directory `name` inside `parent`, never following a link:
   * `links: "refuse"` throws `PermissionDenied` for a symbolic link,
   * `"skip"` reports it as `"not-directory"`. Release it with {@link release}.
   */
  async openChild(parent: DirectoryRef, name: string, calls: MetadataCalls, links: "refuse" | "skip"): Promise<OpenedChild> {
    const path = entryPath(parent, name);
    if (this.confinement === "descriptor") {
      try {
        const descriptor = await calls.open(path, directoryFlags);
        return { path: descriptorDirectory + descriptor, descriptor };
      } catch (error) {
        const code = errorCode(error);
        if (code === "ENOENT") return "missing";
        if (code !== "ENOTDIR" && code !== "ELOOP") throw error;
      }
    }
    // Not a directory (descriptor mode), or the path confinement's check.
    let isLink: boolean;
    try {
      const stats = await calls.lstat(path);
      isLink = stats.isSymbolicLink();
      if (!isLink && this.confinement === "path") return stats.isDirectory() ? { path, descriptor: undefined } : "not-directory";
    } catch (error) {
      if (errorCode(error) === "ENOENT" || errorCode(error) === "ENOTDIR") return "missing";
      throw error;
    }
    if (isLink && links === "refuse") {
      throw new StorageError("PermissionDenied", `fs: ${name} in ${this.display} is a symbolic link; refusing to follow it`);
    }
    return "not-directory";
  }

  /**
   * A path that names the file open as `descriptor` itself, whatever has
   * happened to its name since: `/proc/<pid>/fd/<n>` in the `"descriptor"`
   * confinement. Undefined in the `"path"` confinement (use its name, and
   * check what was opened).
   */
  openFilePath(descriptor: number): string | undefined {
    return this.confinement === "descriptor" ? descriptorDirectory + descriptor : undefined;
  }

  /** Closes a directory opened by {@link openChild} (never the root). */
  async release(directory: DirectoryRef, calls: MetadataCalls): Promise<void> {
    if (directory === this || directory.descriptor === undefined) return;
    try {
      await calls.close(directory.descriptor);
    } catch {
      // nothing left to do
    }
  }

  /**
   * Closes the root's descriptor. Call it only when no operation is in
   * flight: a call naming `/proc/<pid>/fd/<n>` after the close could reach
   * whatever file later gets that number.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    dropped.unregister(this);
    if (this.descriptor !== undefined) await threadPoolCalls.close(this.descriptor).catch(() => {});
  }
}

/** The directories from the root down to a key's directory, held open. */
export class DirectoryChain {
  constructor(
    /** `levels[0]` is the root; `levels[i]` the directory of the first i names. */
    readonly levels: DirectoryRef[],
    private readonly calls: MetadataCalls,
  ) {}

  get last(): DirectoryRef {
    return this.levels[this.levels.length - 1]!;
  }

  /** Closes every level but the root (the root stays open for the driver's life). */
  async close(): Promise<void> {
    const levels = this.levels.splice(1);
    for (const level of levels.reverse()) {
      if (level.descriptor === undefined) continue;
      try {
        await this.calls.close(level.descriptor);
      } catch {
        // already unusable
      }
    }
  }
}

/** fsyncs a directory (through its descriptor when held). Some file systems cannot; that is not an error. */
export async function syncDirectory(directory: DirectoryRef): Promise<void> {
  let descriptor = directory.descriptor;
  const opened = descriptor === undefined;
  if (descriptor === undefined) descriptor = await threadPoolCalls.open(directory.path, constants.O_RDONLY);
  try {
    await threadPoolCalls.fsync(descriptor);
  } catch (error) {
    if (errorCode(error) !== "EINVAL" && errorCode(error) !== "EISDIR") throw error;
  } finally {
    if (opened) await threadPoolCalls.close(descriptor).catch(() => {});
  }
}

/** True when `/proc/<pid>/fd/<descriptor>` is the open directory itself (same device and inode). */
async function namesItself(descriptor: number): Promise<boolean> {
  try {
    const [held, named] = await Promise.all([
      new Promise<{ dev: number; ino: number }>((resolve, reject) => fstat(descriptor, (error, stats) => (error ? reject(error) : resolve(stats)))),
      new Promise<{ dev: number; ino: number }>((resolve, reject) =>
        stat(descriptorDirectory + descriptor + sep + ".", (error, stats) => (error ? reject(error) : resolve(stats))),
      ),
    ]);
    return held.dev === named.dev && held.ino === named.ino;
  } catch {
    return false;
  }
}
