import { closeSync, constants, openSync, readSync, realpathSync } from "node:fs";
import { link, lstat, mkdir, open, readdir, realpath, rename, rmdir, unlink, type FileHandle } from "node:fs/promises";
import { resolve, sep } from "node:path";
import {
  putObjectInfo,
  StorageError,
  noCapabilities,
  type Capabilities,
  type DriverGetOptions,
  type DriverGetResult,
  type DriverListOptions,
  type DriverPutBody,
  type DriverPutOptions,
  type DriverSignGetOptions,
  type DriverSignPutOptions,
  type ListPage,
  type ObjectInfo,
  type SignedRequest,
  type StorageDriver,
  type UrlSigner,
  type HmacSignerOptions,
  toUrlSigner,
} from "@stowage/core";
import { descriptorReader, writeAt, type PositionalReader } from "./descriptor-io.js";
import { fileBodyStream } from "./file-body-stream.js";
import { acquireKeyLock, breakIfStale } from "./key-lock.js";
import { InfoCache } from "./info-cache.js";
import { errorCode, mapFsError } from "./map-fs-error.js";
import { buildHeader, headerLength, parseHeader, sealFields, sealHeader, sealOffset, type ParsedHeader } from "./object-header.js";
import { hostTag, isLockName, isTemporaryName, lockPrefix, processAlive, temporaryName, temporaryOwner } from "./owner-tag.js";
import { resolveLayout } from "./root-layout.js";
import { segmentCodec, type SegmentCodec, type SegmentEncoding } from "./segment-name.js";
import { asyncWalkReader, blockingWalkReader, runWalk } from "./sorted-walk.js";
import { newVersionToken } from "./version-token.js";

export interface FsDriverOptions {
  /** The directory that holds the objects; created when missing. */
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
   * Use synchronous calls for short metadata operations: the realpath check
   * of a key's directory on every operation; opening an object file,
   * reading its header (the first 4 KiB, which holds a small body too) and
   * closing it on get and head; opening and closing a put's temporary
   * file (not in durable mode); and while listing, each directory
   * and each listed object's header. On a local disk a blocking call takes
   * a few microseconds, about ten times less than a round trip through
   * libuv's thread pool, but it holds the event loop for that time (a
   * listing page of 1,000 objects about 4-5 ms). Set false on network file
   * systems. Bodies beyond the first 4 KiB are always read and written
   * asynchronously. Default true.
   */
  blocking?: boolean;
}

/** What {@link FsDriver.cleanup} removed. */
export interface CleanupReport {
  temporaryFiles: number;
  locks: number;
  directories: number;
}

/** The fs driver's capabilities without signing. */
export const fsCapabilities: Capabilities = {
  ...noCapabilities,
  rangeRead: true,
  conditionalGet: true,
  putIfNotExists: true,
  putIfMatch: true,
  sha256: true,
  listDelimiter: true,
};

/** The fs driver's native state, exposed as `driver.raw`. */
export interface FsStore {
  /** The absolute root directory. */
  readonly root: string;
  readonly durable: boolean;
  /** How segments are named on disk (known once `ready` settled). */
  readonly encoding: SegmentEncoding;
}

const noFollow = constants.O_NOFOLLOW ?? 0;
/** O_NONBLOCK: opening never waits (a FIFO planted where a file should be); no effect on regular files. */
const readFlags = constants.O_RDONLY | noFollow | (constants.O_NONBLOCK ?? 0);
const createFlags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | noFollow;
/** Bytes read first: the header, and the whole body of a small object. */
const firstReadBytes = 64 * 1024;
const headReadBytes = 4096;
/** Bodies up to this size are returned as bytes; larger ones stream. */
const wholeReadLimit = 1024 * 1024;
/** Stream puts are written in batches of about this size. */
const writeBatchBytes = 1024 * 1024;
/** A temporary file older than this is abandoned, whoever made it. */
const abandonedTemporaryMs = 24 * 60 * 60 * 1000;
const listConcurrency = 32;
const deleteConcurrency = 16;

/** Temporary files being written by any driver in this process; cleanup leaves them alone. */
const activeTemporaries = new Set<string>();

interface Location {
  /** Absolute directory path. */
  directory: string;
  /** The directory names from root down, each ending in "%". */
  directoryNames: string[];
  fileName: string;
  file: string;
}

/**
 * Stores each object as one file (a header with its metadata, then the
 * body) under `root`, one directory per key segment. Puts are atomic
 * (temporary file plus rename), conditional puts hold across processes,
 * bodies stream in both directions, and listing walks the tree in key
 * order, reading only the directories a page needs. See the README for the
 * layout on disk.
 */
export class FsDriver implements StorageDriver {
  readonly name = "fs";
  readonly capabilities: Capabilities;
  /** The absolute root directory. */
  readonly root: string;
  readonly durable: boolean;
  /** Settles when the root exists. Every operation waits for it. */
  readonly ready: Promise<void>;
  /** The start-up cleanup (resolved at once when `cleanupOnStart` is false). */
  readonly startupCleanup: Promise<CleanupReport | undefined>;
  private realRoot = "";
  private readonly signer: UrlSigner | undefined;
  private readonly blocking: boolean;
  private readonly infoCache = new InfoCache();
  private readonly requestedEncoding: "auto" | SegmentEncoding;
  private codec: SegmentCodec = segmentCodec("bytes");

  constructor(options: FsDriverOptions) {
    if (options === null || typeof options !== "object" || typeof options.root !== "string" || options.root.length === 0) {
      throw new StorageError("InvalidArgument", "fsDriver needs { root: string }");
    }
    this.root = resolve(options.root);
    this.durable = options.durable === true;
    this.signer = options.signing === undefined ? undefined : toUrlSigner(options.signing);
    this.blocking = options.blocking !== false;
    this.requestedEncoding = options.encoding ?? "auto";
    if (!["auto", "bytes", "portable"].includes(this.requestedEncoding)) {
      throw new StorageError("InvalidArgument", 'fsDriver: encoding must be "auto", "bytes" or "portable"');
    }
    this.capabilities = Object.freeze({
      ...fsCapabilities,
      ...(this.signer ? { signGet: true, signPut: true, ...this.signer.capabilities } : {}),
    });
    this.ready = this.initialize();
    this.ready.catch(() => {});
    this.startupCleanup =
      options.cleanupOnStart === false
        ? Promise.resolve(undefined)
        : this.ready.then(
            () => this.cleanup(),
            () => undefined,
          ).catch(() => undefined);
  }

  get raw(): FsStore {
    return { root: this.root, durable: this.durable, encoding: this.codec.encoding };
  }

  private async initialize(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true });
      this.realRoot = await realpath(this.root);
      this.codec = segmentCodec(await resolveLayout(this.root, this.requestedEncoding));
    } catch (error) {
      throw mapFsError(error, `opening the root ${this.root}`);
    }
  }

  async put(key: string, body: DriverPutBody, options: DriverPutOptions): Promise<ObjectInfo> {
    await this.ready;
    const location = this.locate(key);
    let temporary: string | undefined;
    let handle: FileHandle | undefined;
    let descriptor: number | undefined;
    try {
      // Fail early, before the body is read; the check is repeated atomically at commit.
      if (options.ifNotExists && (await this.exists(location))) {
        throw new StorageError("AlreadyExists", `${key} already exists`);
      }
      if (options.ifMatch !== undefined) {
        const current = await this.readInfo(location);
        if (current === null || current.info.etag !== options.ifMatch) {
          throw new StorageError("PreconditionFailed", `${key} does not have etag ${options.ifMatch}`);
        }
      }
      const header = buildHeader({
        key,
        contentType: options.contentType,
        cacheControl: options.cacheControl,
        contentDisposition: options.contentDisposition,
        contentEncoding: options.contentEncoding,
        metadata: options.metadata,
      });
      // Blocking mode opens and closes the temporary file with synchronous
      // calls (a few microseconds each on a local disk); the body is written
      // and the file renamed asynchronously (a rename over a file can start
      // writeback or free a large file's blocks). Durable puts fsync through
      // a FileHandle.
      const useDescriptor = this.blocking && !this.durable;
      let write: Writer;
      ({ path: temporary, handle, descriptor } = await this.createTemporary(location, useDescriptor));
      if (descriptor !== undefined) {
        const opened = descriptor;
        write = (buffers, position) => writeAt(opened, buffers, position);
      } else {
        const opened = handle!;
        write = async (buffers, position) => (await opened.writev(buffers, position)).bytesWritten;
      }
      const version = newVersionToken();
      let size: number;
      let lastModified: number;
      if (body instanceof Uint8Array) {
        size = body.byteLength;
        lastModified = Date.now();
        sealHeader(header, size, lastModified, version);
        await writeAll(write, [header, body], 0);
      } else {
        size = await writeStream(write, header, body);
        lastModified = Date.now();
        await writeAll(write, [sealFields(size, lastModified, version)], sealOffset);
      }
      if (descriptor !== undefined) {
        const opened = descriptor;
        descriptor = undefined;
        closeSync(opened);
      } else {
        if (this.durable) await handle!.sync();
        await handle!.close();
        handle = undefined;
      }
      if (options.signal?.aborted) throw new StorageError("Aborted", "The put was aborted", { cause: options.signal.reason });
      await this.commit(location, temporary, key, options);
      temporary = undefined;
      return putObjectInfo(key, { size, etag: version.toString("hex"), lastModified: new Date(lastModified) }, options);
    } catch (error) {
      throw mapFsError(error, `put ${key}`);
    } finally {
      if (handle !== undefined) await handle.close().catch(() => {});
      if (descriptor !== undefined) {
        try {
          closeSync(descriptor);
        } catch {
          // already unusable
        }
      }
      if (temporary !== undefined) {
        await unlink(temporary).catch(() => {});
        activeTemporaries.delete(temporary);
      }
    }
  }

  /** Publishes a written temporary file under the key, honouring the put's condition. */
  private async commit(location: Location, temporary: string, key: string, options: DriverPutOptions): Promise<void> {
    try {
      if (options.ifNotExists) {
        try {
          await link(temporary, location.file);
        } catch (error) {
          if (errorCode(error) === "EEXIST") throw new StorageError("AlreadyExists", `${key} already exists`);
          throw error;
        }
        await unlink(temporary);
      } else if (options.ifMatch !== undefined) {
        const release = await acquireKeyLock(this.lockPath(location), options.signal);
        try {
          const current = await this.readInfo(location);
          if (current === null || current.info.etag !== options.ifMatch) {
            throw new StorageError("PreconditionFailed", `${key} does not have etag ${options.ifMatch}`);
          }
          await rename(temporary, location.file);
        } finally {
          await release();
        }
      } else {
        await rename(temporary, location.file);
      }
    } finally {
      activeTemporaries.delete(temporary);
    }
    if (this.durable) await syncDirectory(location.directory);
  }

  async get(key: string, options: DriverGetOptions): Promise<DriverGetResult | null> {
    await this.ready;
    const location = this.locate(key);
    let reader: PositionalReader | null = null;
    let handedOver = false;
    try {
      let first: ObjectStart | null;
      if (this.blocking) {
        // Open and read the header synchronously (with up to 4 KiB of body);
        // the rest of the body is read asynchronously, straight into its buffer.
        const descriptor = this.openObjectSync(location);
        if (descriptor === null) return null;
        reader = descriptorReader(descriptor, closeSync);
        first = readObjectStartSync(descriptor);
      } else {
        const handle = await this.openObject(location);
        if (handle === null) return null;
        reader = handle;
        // A whole small object comes with the header in one read; a range needs only the header first.
        first = await readObjectStart(handle, options.range === undefined ? firstReadBytes : headReadBytes);
      }
      if (first === null) return null;
      const { parsed, buffer, bytesRead } = first;
      const info = parsed.info;
      info.key = key;
      if (options.ifMatch !== undefined && options.ifMatch !== info.etag) {
        throw new StorageError("PreconditionFailed", `${key} does not have etag ${options.ifMatch}`);
      }
      if (options.ifNoneMatch !== undefined && options.ifNoneMatch === info.etag) {
        throw new StorageError("NotModified", `${key} still has etag ${info.etag}`);
      }
      const size = info.size;
      let start = 0;
      let end = size;
      if (options.range !== undefined) {
        if ("suffix" in options.range) {
          if (size === 0) throw new StorageError("RangeNotSatisfiable", `${key} is empty`);
          start = Math.max(0, size - options.range.suffix);
        } else {
          start = options.range.offset;
          if (start >= size) throw new StorageError("RangeNotSatisfiable", `offset ${start} is not below the size ${size}`);
          if (options.range.length !== undefined) end = Math.min(size, start + options.range.length);
        }
      }
      const length = end - start;
      const filePosition = parsed.dataOffset + start;
      // The part of the wanted bytes that the first read already holds.
      const haveFrom = Math.min(filePosition, bytesRead);
      const haveTo = Math.min(filePosition + length, bytesRead);
      const initial = buffer.subarray(haveFrom, haveTo);
      let body: ReadableStream<Uint8Array> | Uint8Array;
      if (length <= wholeReadLimit) {
        const bytes = uninitializedBytes(length);
        bytes.set(initial, 0);
        let filled = initial.byteLength;
        while (filled < length) {
          const { bytesRead: got } = await reader.read(bytes, filled, length - filled, filePosition + filled);
          if (got === 0) throw new StorageError("Unavailable", `fs: the file of ${key} is shorter than its header says`);
          filled += got;
        }
        body = bytes;
      } else {
        body = fileBodyStream(reader, filePosition, length, initial.byteLength > 0 ? initial.slice() : undefined, options.signal);
        handedOver = true;
      }
      const result: DriverGetResult = { info, body };
      if (options.range !== undefined) result.range = { offset: start, length };
      return result;
    } catch (error) {
      throw mapFsError(error, `get ${key}`);
    } finally {
      if (reader !== null && !handedOver) await reader.close().catch(() => {});
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    await this.ready;
    try {
      const current = await this.readInfo(this.locate(key));
      if (current === null) return null;
      current.info.key = key;
      return current.info;
    } catch (error) {
      throw mapFsError(error, `head ${key}`);
    }
  }

  async list(options: DriverListOptions): Promise<ListPage> {
    await this.ready;
    const { prefix, delimiter, limit } = options;
    let after: string | undefined;
    let skipPrefix: string | undefined;
    if (options.cursor !== undefined) {
      const kind = options.cursor.slice(0, 2);
      if (kind !== "k:" && kind !== "p:") throw new StorageError("InvalidArgument", "The cursor was not made by the fs driver");
      after = options.cursor.slice(2);
      if (kind === "p:") skipPrefix = after;
    }
    try {
      const slash = prefix.lastIndexOf("/");
      const directorySegments = slash < 0 ? [] : prefix.slice(0, slash).split("/");
      // A prefix whose directory part cannot occur in a legal key lists nothing.
      if (!directorySegments.every(isLegalSegment)) return { objects: [], prefixes: [] };
      const relative = directorySegments.map((segment) => this.codec.directoryName(segment));
      const directory = relative.length === 0 ? this.root : this.root + sep + relative.join(sep);
      if (relative.length > 0 && !(await this.verifyDirectory(directory, relative))) return { objects: [], prefixes: [] };
      const { items, more } = await runWalk(
        {
          directory,
          keyPrefix: slash < 0 ? "" : prefix.slice(0, slash + 1),
          namePrefix: prefix.slice(slash + 1),
          delimiter,
          after,
          skipPrefix,
          codec: this.codec,
        },
        limit,
        this.blocking ? blockingWalkReader : asyncWalkReader,
      );
      const infos = this.blocking
        ? items.map((item) => (item.kind === "object" ? this.cachedInfoSync(item.path, item.key) : null))
        : await mapLimit(items, listConcurrency, async (item) => (item.kind === "object" ? await readInfoAt(item.path, item.key) : null));
      const objects: ObjectInfo[] = [];
      const prefixes: string[] = [];
      items.forEach((item, index) => {
        if (item.kind === "prefix") prefixes.push(item.prefix);
        else if (infos[index] !== null) objects.push(infos[index]!);
      });
      const page: ListPage = { objects, prefixes };
      if (more) {
        const last = items[items.length - 1]!;
        page.cursor = last.kind === "prefix" ? `p:${last.prefix}` : `k:${last.key}`;
      }
      return page;
    } catch (error) {
      throw mapFsError(error, `list ${prefix}`);
    }
  }

  async delete(keys: string[]): Promise<void> {
    await this.ready;
    await mapLimit(keys, deleteConcurrency, async (key) => {
      try {
        await this.deleteOne(key);
      } catch (error) {
        throw mapFsError(error, `delete ${key}`);
      }
    });
  }

  /** A listed object's info: from the cache when the file is unchanged, else from its header. */
  private cachedInfoSync(path: string, key: string): ObjectInfo | null {
    const { info, stats } = this.infoCache.lookup(path);
    if (info !== undefined) {
      if (info !== null) info.key = key;
      return info;
    }
    const read = readInfoAtSync(path, key);
    if (read !== null && stats !== undefined) this.infoCache.remember(path, stats, read);
    return read;
  }

  private async deleteOne(key: string): Promise<void> {
    const location = this.locate(key);
    if (!(await this.exists(location))) return;
    // The lock keeps a delete from slipping between a compare-and-swap's check and its rename.
    let release: () => Promise<void>;
    try {
      release = await acquireKeyLock(this.lockPath(location));
    } catch (error) {
      if (errorCode(error) === "ENOENT") return;
      throw error;
    }
    try {
      await unlink(location.file);
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
    } finally {
      await release();
    }
    if (this.durable) await syncDirectory(location.directory);
    await this.pruneDirectories(location.directoryNames);
  }

  /** Removes the key's directories that are now empty, deepest first, up to root. */
  private async pruneDirectories(names: string[]): Promise<void> {
    for (let depth = names.length; depth > 0; depth--) {
      try {
        await rmdir(this.root + sep + names.slice(0, depth).join(sep));
      } catch {
        return;
      }
      if (this.durable) await syncDirectory(this.root + (depth > 1 ? sep + names.slice(0, depth - 1).join(sep) : "")).catch(() => {});
    }
  }

  signPut(key: string, options: DriverSignPutOptions): Promise<SignedRequest> {
    if (!this.signer) throw new StorageError("Unsupported", "This fs driver has no signing configured");
    return this.signer.signPut(key, options);
  }

  signGet(key: string, options: DriverSignGetOptions): Promise<SignedRequest> {
    if (!this.signer) throw new StorageError("Unsupported", "This fs driver has no signing configured");
    return this.signer.signGet(key, options);
  }

  /**
   * Removes what crashed writers left behind: temporary files whose process
   * is gone (or that are older than a day), abandoned locks, and empty
   * directories. Files of live writers, in this process or another, are
   * kept. Runs at start-up unless `cleanupOnStart` is false.
   */
  async cleanup(): Promise<CleanupReport> {
    await this.ready;
    const report: CleanupReport = { temporaryFiles: 0, locks: 0, directories: 0 };
    const visit = async (directory: string): Promise<boolean> => {
      let dirents;
      try {
        dirents = await readdir(directory, { withFileTypes: true });
      } catch {
        return false;
      }
      let remaining = dirents.length;
      for (const dirent of dirents) {
        const path = directory + sep + dirent.name;
        if (isTemporaryName(dirent.name)) {
          if (!activeTemporaries.has(path) && (await temporaryAbandoned(dirent.name, path))) {
            try {
              await unlink(path);
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
        } else if (dirent.isDirectory() && this.codec.parse(dirent.name)?.kind === "directory") {
          if (await visit(path)) {
            try {
              await rmdir(path);
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
    await visit(this.root);
    return report;
  }

  private locate(key: string): Location {
    const segments = key.split("/");
    const last = segments.pop()!;
    const directoryNames = segments.map((segment) => this.codec.directoryName(segment));
    const directory = directoryNames.length === 0 ? this.root : this.root + sep + directoryNames.join(sep);
    const fileName = this.codec.encode(last);
    return { directory, directoryNames, fileName, file: directory + sep + fileName };
  }

  private lockPath(location: Location): string {
    return location.directory + sep + lockPrefix + location.fileName;
  }

  /**
   * True when the directory exists and is reached from root through real
   * directories only; false when it does not exist. A symbolic link (or
   * anything else) on the way is refused with `PermissionDenied`.
   */
  private async verifyDirectory(directory: string, names: string[]): Promise<boolean> {
    if (names.length === 0) return true;
    if (this.blocking) return this.verifyDirectorySync(directory, names);
    let real: string;
    try {
      real = await realpath(directory);
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") return false;
      throw error;
    }
    return this.checkRealDirectory(directory, names, real);
  }

  /** {@link verifyDirectory} with a synchronous realpath. */
  private verifyDirectorySync(directory: string, names: string[]): boolean {
    if (names.length === 0) return true;
    let real: string;
    try {
      real = realpathSync.native(directory);
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") return false;
      throw error;
    }
    return this.checkRealDirectory(directory, names, real);
  }

  private checkRealDirectory(directory: string, names: string[], real: string): true {
    if (real !== this.realRoot + sep + names.join(sep)) {
      throw new StorageError("PermissionDenied", `fs: ${directory} leaves the root through a symbolic link; refusing to use it`);
    }
    return true;
  }

  /** {@link openObject} with synchronous calls: the file descriptor, or null when there is no such file. */
  private openObjectSync(location: Location): number | null {
    if (!this.verifyDirectorySync(location.directory, location.directoryNames)) return null;
    try {
      return openSync(location.file, readFlags);
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") return null;
      if (code === "ELOOP") {
        throw new StorageError("PermissionDenied", `fs: ${location.file} is a symbolic link; refusing to follow it`, { cause: error });
      }
      throw error;
    }
  }

  /** Creates the key's directories one level at a time, never through a symbolic link. */
  private async ensureDirectory(location: Location): Promise<void> {
    const names = location.directoryNames;
    if (await this.verifyDirectory(location.directory, names)) return;
    // Find the deepest directory that exists (verified), then create the rest below it.
    let existing = 0;
    for (let depth = names.length - 1; depth > 0; depth--) {
      if (await this.verifyDirectory(this.root + sep + names.slice(0, depth).join(sep), names.slice(0, depth))) {
        existing = depth;
        break;
      }
    }
    for (let depth = existing + 1; depth <= names.length; depth++) {
      const path = this.root + sep + names.slice(0, depth).join(sep);
      try {
        await mkdir(path);
        if (this.durable) await syncDirectory(depth > 1 ? this.root + sep + names.slice(0, depth - 1).join(sep) : this.root);
      } catch (error) {
        if (errorCode(error) !== "EEXIST") throw error;
        const stats = await lstat(path);
        if (!stats.isDirectory()) {
          throw new StorageError("PermissionDenied", `fs: ${path} is not a directory (a symbolic link or a file); refusing to use it`);
        }
      }
    }
  }

  /** Creates a temporary file beside the key's file, opened as a descriptor (synchronously) or a FileHandle. */
  private async createTemporary(
    location: Location,
    useDescriptor: boolean,
  ): Promise<{ path: string; handle?: FileHandle; descriptor?: number }> {
    for (let attempt = 0; ; attempt++) {
      const path = location.directory + sep + temporaryName();
      activeTemporaries.add(path);
      try {
        await this.ensureDirectory(location);
        if (useDescriptor) return { path, descriptor: openSync(path, createFlags, 0o644) };
        return { path, handle: await open(path, createFlags, 0o644) };
      } catch (error) {
        activeTemporaries.delete(path);
        // A concurrent delete or cleanup removed an empty directory on the way: make it again.
        if (errorCode(error) === "ENOENT" && attempt < 10) continue;
        throw error;
      }
    }
  }

  /**
   * Opens an object file for reading. The directory check and the open run
   * side by side (nothing is read before the check passes), which saves a
   * round trip through the thread pool.
   */
  private async openObject(location: Location): Promise<FileHandle | null> {
    const [verified, opened] = await Promise.allSettled([
      this.verifyDirectory(location.directory, location.directoryNames),
      open(location.file, readFlags),
    ]);
    if (verified.status === "rejected" || !verified.value) {
      if (opened.status === "fulfilled") await opened.value.close().catch(() => {});
      if (verified.status === "rejected") throw verified.reason;
      return null;
    }
    try {
      if (opened.status === "rejected") throw opened.reason;
      return opened.value;
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") return null;
      if (code === "ELOOP") {
        throw new StorageError("PermissionDenied", `fs: ${location.file} is a symbolic link; refusing to follow it`, { cause: error });
      }
      throw error;
    }
  }

  /** True when the key's file exists (checked beside the directory check, like {@link openObject}). */
  private async exists(location: Location): Promise<boolean> {
    const [verified, stats] = await Promise.allSettled([
      this.verifyDirectory(location.directory, location.directoryNames),
      lstat(location.file),
    ]);
    if (verified.status === "rejected") throw verified.reason;
    if (!verified.value) return false;
    if (stats.status === "fulfilled") return true;
    const code = errorCode(stats.reason);
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw stats.reason;
  }

  private async readInfo(location: Location): Promise<ParsedHeader | null> {
    if (this.blocking) {
      const descriptor = this.openObjectSync(location);
      if (descriptor === null) return null;
      try {
        return readObjectStartSync(descriptor)?.parsed ?? null;
      } finally {
        closeSync(descriptor);
      }
    }
    const handle = await this.openObject(location);
    if (handle === null) return null;
    try {
      return (await readObjectStart(handle, headReadBytes))?.parsed ?? null;
    } finally {
      await handle.close().catch(() => {});
    }
  }
}

function isLegalSegment(segment: string): boolean {
  return segment.length > 0 && segment !== "." && segment !== ".." && !/[\u0000-\u001f\u007f]/.test(segment);
}

/** The parsed header of an object file and the bytes read from its start (`buffer` up to `bytesRead`). */
interface ObjectStart {
  parsed: ParsedHeader;
  buffer: Uint8Array;
  bytesRead: number;
}

/** Reads the header (and, when small, the whole object) from an open object file. */
async function readObjectStart(handle: FileHandle, want: number): Promise<ObjectStart | null> {
  let buffer = uninitializedBytes(want);
  let bytesRead: number;
  try {
    ({ bytesRead } = await handle.read(buffer, 0, want, 0));
  } catch (error) {
    if (errorCode(error) === "EISDIR") return null;
    throw error;
  }
  const length = headerLength(buffer.subarray(0, bytesRead));
  if (length === undefined) return null;
  if (length > bytesRead) {
    const whole = new Uint8Array(length);
    whole.set(buffer.subarray(0, bytesRead));
    const { bytesRead: more } = await handle.read(whole, bytesRead, length - bytesRead, bytesRead);
    if (bytesRead + more < length) return null;
    buffer = whole;
    bytesRead = length;
  }
  const parsed = parseHeader(buffer.subarray(0, bytesRead));
  return parsed === undefined ? null : { parsed, buffer, bytesRead };
}

/** The info of the object file at `path` (reached by a walk that followed no links), or null. */
async function readInfoAt(path: string, key: string): Promise<ObjectInfo | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, readFlags);
  } catch (error) {
    if (errorCode(error) === "ENOENT" || errorCode(error) === "ELOOP") return null;
    throw error;
  }
  try {
    const parsed = (await readObjectStart(handle, headReadBytes))?.parsed;
    if (parsed === undefined) return null;
    parsed.info.key = key;
    return parsed.info;
  } finally {
    await handle.close().catch(() => {});
  }
}

/**
 * A fresh, unpooled byte array that is not zero-filled: every byte of it is
 * overwritten by a read before anyone sees it.
 */
function uninitializedBytes(length: number): Uint8Array {
  return new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
}

const headerBuffer = Buffer.alloc(headReadBytes);

/**
 * {@link readObjectStart} with a synchronous read of the first 4 KiB (into
 * a shared buffer: copy what you keep before the next await).
 */
function readObjectStartSync(descriptor: number): ObjectStart | null {
  try {
    let bytesRead = readSync(descriptor, headerBuffer, 0, headerBuffer.byteLength, 0);
    const length = headerLength(headerBuffer.subarray(0, bytesRead));
    if (length === undefined) return null;
    let buffer: Uint8Array = headerBuffer;
    if (length > bytesRead) {
      const whole = Buffer.alloc(length);
      bytesRead = readSync(descriptor, whole, 0, length, 0);
      if (bytesRead < length) return null;
      buffer = whole;
    }
    const parsed = parseHeader(buffer.subarray(0, bytesRead));
    return parsed === undefined ? null : { parsed, buffer, bytesRead };
  } catch (error) {
    if (errorCode(error) === "EISDIR") return null;
    throw error;
  }
}

/** {@link readInfoAt} with synchronous reads, for listing. */
function readInfoAtSync(path: string, key: string): ObjectInfo | null {
  let descriptor: number;
  try {
    descriptor = openSync(path, readFlags);
  } catch (error) {
    if (errorCode(error) === "ENOENT" || errorCode(error) === "ELOOP") return null;
    throw error;
  }
  try {
    const parsed = readObjectStartSync(descriptor)?.parsed;
    if (parsed === undefined) return null;
    parsed.info.key = key;
    return parsed.info;
  } finally {
    closeSync(descriptor);
  }
}

/** Writes buffers at a file position (a positional gathered write); resolves with the bytes written. */
type Writer = (buffers: Uint8Array[], position: number) => Promise<number>;

async function writeAll(write: Writer, buffers: Uint8Array[], position: number): Promise<void> {
  let pending = buffers.filter((buffer) => buffer.byteLength > 0);
  while (pending.length > 0) {
    const bytesWritten = await write(pending, position);
    position += bytesWritten;
    let skip = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const buffer of pending) {
      if (skip >= buffer.byteLength) {
        skip -= buffer.byteLength;
        continue;
      }
      rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
      skip = 0;
    }
    pending = rest;
  }
}

/**
 * Streams a body after its header and returns its size. At most one batch
 * is being written while the next is read, so memory stays at about two
 * batches and a slow disk slows the reader (backpressure).
 */
async function writeStream(write: Writer, header: Buffer, body: ReadableStream<Uint8Array>): Promise<number> {
  const reader = body.getReader();
  let size = 0;
  let position = 0;
  let batch: Uint8Array[] = [header];
  let batchBytes = header.byteLength;
  let inflight: Promise<void> | undefined;
  const flush = async () => {
    if (inflight !== undefined) await inflight;
    const buffers = batch;
    const at = position;
    position += batchBytes;
    batch = [];
    batchBytes = 0;
    inflight = writeAll(write, buffers, at);
    inflight.catch(() => {});
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      batch.push(value);
      batchBytes += value.byteLength;
      if (batchBytes >= writeBatchBytes) await flush();
    }
    await flush();
    await inflight;
  } catch (error) {
    reader.cancel(error).catch(() => {});
    if (inflight !== undefined) await inflight.catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
  return size;
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY);
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems cannot fsync a directory; the rename is still atomic.
    if (errorCode(error) !== "EINVAL" && errorCode(error) !== "EISDIR") throw error;
  } finally {
    await handle.close().catch(() => {});
  }
}

async function temporaryAbandoned(name: string, path: string): Promise<boolean> {
  const owner = temporaryOwner(name);
  if (owner !== undefined && owner.host === hostTag && owner.pid !== process.pid && !processAlive(owner.pid)) return true;
  if (owner !== undefined && owner.host === hostTag && owner.pid === process.pid) return true;
  try {
    return Date.now() - (await lstat(path)).mtimeMs > abandonedTemporaryMs;
  } catch {
    return false;
  }
}

async function mapLimit<T, R>(items: T[], concurrency: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** Creates the filesystem driver. */
export function fsDriver(options: FsDriverOptions): FsDriver {
  return new FsDriver(options);
}
