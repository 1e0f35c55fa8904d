import { assertKnownOptions, StorageError, type HmacSignerOptions, type UrlSigner } from "@stowage/core";
import type { SegmentEncoding } from "./segment-name.js";

export interface FsDriverOptions {
  /** The directory that holds the objects; created when missing (with `directoryMode`). */
  root: string;
  /**
   * When true, a put or delete resolves only after the file and its directory
   * were fsynced, so it survives a power loss or kernel crash. Default false:
   * puts are still atomic and survive a crash of the process.
   */
  durable?: boolean;
  /**
   * Signs URLs: `{ secrets, baseUrl }` (HMAC, served by `@stowage/http`) or
   * any `UrlSigner`. Adds signPut, signGet and the constraints the signer enforces.
   */
  signing?: UrlSigner | HmacSignerOptions;
  /**
   * Removes temporary files and locks abandoned by crashed processes (and
   * empty directories) in the background when the driver starts. Default true.
   */
  cleanupOnStart?: boolean;
  /**
   * How key segments become file names. `"bytes"` keeps names readable and
   * needs a file system that compares names as bytes (ext4, xfs, btrfs,
   * tmpfs); `"portable"` escapes uppercase letters and non-ASCII characters
   * too, for case-insensitive or normalizing file systems (macOS APFS,
   * Windows NTFS). Default `"auto"`: a new root is probed and gets `"bytes"`
   * where names are byte-exact, else `"portable"`. The choice is recorded in
   * `root/%layout.json`, and an existing root keeps its encoding.
   */
  encoding?: "auto" | SegmentEncoding;
  /**
   * Use blocking calls for short metadata operations: opening each of a
   * key's directories and its object file, reading the header (the first
   * 4 KiB, which holds a small body too) and closing them on get and head;
   * creating and closing a put's temporary file; and while listing, each
   * directory and each listed object's header. On a local disk a blocking
   * call takes a few microseconds, about ten times less than a round trip
   * through libuv's thread pool, but it holds the event loop for that time
   * (a listing page of 1,000 objects about 4-5 ms). Set false on network
   * file systems. Bodies beyond the first 4 KiB, renames, links and fsyncs
   * always go through the thread pool. Default true.
   */
  blocking?: boolean;
  /**
   * The permission bits of every file the driver creates (objects, the
   * layout file), set with fchmod after creating it, so the process umask
   * does not apply. Must include owner read and write (0o600). Default
   * 0o600: only the owner can read objects.
   */
  fileMode?: number;
  /**
   * The permission bits of every directory the driver creates (the root
   * when missing, and key directories), set with fchmod/chmod after mkdir,
   * so the umask does not apply. Must include owner read, write and search
   * (0o700). Default 0o700.
   */
  directoryMode?: number;
}

/** The names {@link FsDriverOptions} accepts; any other key is refused. */
const optionNames = ["root", "durable", "signing", "cleanupOnStart", "encoding", "blocking", "fileMode", "directoryMode"] as const;

/** The options with their defaults filled in and checked. */
export interface ResolvedFsDriverOptions {
  root: string;
  durable: boolean;
  signing: UrlSigner | HmacSignerOptions | undefined;
  cleanupOnStart: boolean;
  encoding: "auto" | SegmentEncoding;
  blocking: boolean;
  fileMode: number;
  directoryMode: number;
}

/** Checks the factory's options: an unknown key (a misspelling) or a wrong value is refused with `InvalidArgument`. */
export function resolveFsDriverOptions(options: FsDriverOptions): ResolvedFsDriverOptions {
  if (options === null || typeof options !== "object" || typeof options.root !== "string" || options.root.length === 0) {
    throw new StorageError("InvalidArgument", "fsDriver needs { root: string }");
  }
  assertKnownOptions(options, optionNames, "fsDriver options");
  const encoding = options.encoding ?? "auto";
  if (!["auto", "bytes", "portable"].includes(encoding)) {
    throw new StorageError("InvalidArgument", 'fsDriver: encoding must be "auto", "bytes" or "portable"');
  }
  for (const name of ["durable", "cleanupOnStart", "blocking"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "boolean") {
      throw new StorageError("InvalidArgument", `fsDriver: ${name} must be true or false`);
    }
  }
  return {
    root: options.root,
    durable: options.durable === true,
    signing: options.signing,
    cleanupOnStart: options.cleanupOnStart !== false,
    encoding,
    blocking: options.blocking !== false,
    fileMode: permissionBits("fileMode", options.fileMode, 0o600, 0o600),
    directoryMode: permissionBits("directoryMode", options.directoryMode, 0o700, 0o700),
  };
}

function permissionBits(name: string, value: unknown, fallback: number, required: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0o777 || (value & required) !== required) {
    throw new StorageError(
      "InvalidArgument",
      `fsDriver: ${name} must be permission bits from 0o${required.toString(8)} to 0o777 that include 0o${required.toString(8)} (got ${String(value)})`,
    );
  }
  return value;
}
