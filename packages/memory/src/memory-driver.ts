import {
  assertKnownOptions,
  compareUtf8,
  putObjectInfo,
  StorageError,
  noCapabilities,
  readAll,
  type Capabilities,
  type CapabilityHints,
  type SignPutConflict,
  type DriverCopyOptions,
  type DriverDeleteOptions,
  type DriverGetOptions,
  type DriverGetResult,
  type DriverListOptions,
  type DriverMoveOptions,
  type DriverObjectFields,
  type DriverOperationOptions,
  type DriverPutBody,
  type DriverPutOptions,
  type DriverSignGetOptions,
  type DriverSignPutOptions,
  type DriverSignUploadPartOptions,
  type DriverCreateUploadOptions,
  type DriverCompleteUploadOptions,
  type DriverListUploadsOptions,
  type UploadedPart,
  type UploadListing,
  type UploadLimits,
  s3UploadLimits,
  type ListPage,
  type ObjectInfo,
  type SignedRequest,
  type StorageDriver,
  type UrlSigner,
  type HmacSignerOptions,
  toUrlSigner,
  hmacSigningHint,
  hmacSigningHints,
  throwIfAborted,
} from "@stowage/core";
import { SortedKeys, comparePositions } from "./sorted-keys.js";
import { copyInfo, decodeCursor, encodeCursor, fieldsOf } from "./memory-entry.js";
import { MemoryUploads, partSignerOf, type StagedUpload } from "./memory-uploads.js";


/**
 * One stored object. `bytes` is never changed in place once stored (a put
 * stores a fresh copy, a get returns a fresh copy), so copies of an object
 * may share it.
 */
interface Entry {
  bytes: Uint8Array;
  info: ObjectInfo;
}

export interface MemoryDriverOptions {
  /**
   * Signs URLs: `{ secrets, baseUrl }` (HMAC, served by `@stowage/http`) or
   * any `UrlSigner`. Adds signPut, signGet and the constraints the signer
   * enforces; with a signer that signs upload parts (the HMAC signer), also
   * multipart upload sessions (`multipartUpload`, `signUploadPart`,
   * `uploadIfNotExists`), their parts served by `@stowage/http`.
   */
  signing?: UrlSigner | HmacSignerOptions;
}

export const memoryCapabilities: Capabilities = {
  ...noCapabilities,
  rangeRead: true,
  conditionalGet: true,
  putIfNotExists: true,
  putIfMatch: true,
  sha256: true,
  listDelimiter: true,
  listStartAfter: true,
  copy: true,
  serverSideCopy: true,
  copyIfMatch: true,
  copyIfNotExists: true,
  deleteIfMatch: true,
  expiry: true,
};

/** The memory driver's native state, exposed as `driver.raw`. */
export interface MemoryStore {
  readonly entries: Map<string, Entry>;
  readonly size: number;
  /** Uploads in progress by upload id, with their staged parts (never in `entries`). */
  readonly uploads: ReadonlyMap<string, StagedUpload>;
}

const multipartHint =
  "pass `signing: { secrets, baseUrl }` to memoryDriver() (a signer that signs upload parts) and serve the part URLs with @stowage/http's createSignedUrlHandler";

let instanceCounter = 0;

/**
 * The reference driver: everything in a Map plus a sorted key index. Bytes
 * are copied on the way in and on the way out. Every operation decides and
 * changes the map in one synchronous step, so conditions (ifMatch,
 * ifNotExists) are atomic and `move` is a true rename.
 */
export class MemoryDriver implements StorageDriver {
  readonly name = "memory";
  readonly capabilities: Capabilities;
  /** The signer's refused combinations (none for `{ secrets, baseUrl }`). */
  readonly signPutConflicts: readonly SignPutConflict[];
  /** How to switch on the signing capabilities that are off. */
  readonly capabilityHints: CapabilityHints;
  private readonly entries = new Map<string, Entry>();
  private readonly index = new SortedKeys();
  private readonly etagPrefix = `${(instanceCounter++).toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  private version = 0;
  private readonly signer: UrlSigner | undefined;
  private readonly uploads = new MemoryUploads();
  /** S3's part rules, so an upload planned against memory works on S3 too. */
  readonly uploadLimits: UploadLimits = s3UploadLimits;

  constructor(options: MemoryDriverOptions = {}) {
    assertKnownOptions(options, ["signing"], "memoryDriver options");
    const signing: unknown = options.signing;
    // A UrlSigner has methods; anything else must be { secrets, baseUrl }.
    if (signing !== undefined && !(typeof signing === "object" && signing !== null && typeof (signing as UrlSigner).signPut === "function")) {
      assertKnownOptions(signing, ["secrets", "baseUrl"], "memoryDriver options.signing (a UrlSigner or { secrets, baseUrl })");
    }
    this.signer = options.signing === undefined ? undefined : toUrlSigner(options.signing);
    const parts = partSignerOf(this.signer) !== undefined;
    this.capabilities = Object.freeze({
      ...memoryCapabilities,
      ...(this.signer ? { signGet: true, signPut: true, ...this.signer.capabilities } : {}),
      multipartUpload: parts,
      signUploadPart: parts,
      uploadIfNotExists: parts,
    });
    this.signPutConflicts = Object.freeze([...(this.signer?.signPutConflicts ?? [])]);
    this.capabilityHints = Object.freeze({
      ...hmacSigningHints("memoryDriver()", this.capabilities, this.signer !== undefined),
      ...(parts ? {} : { multipartUpload: multipartHint, uploadIfNotExists: multipartHint, signUploadPart: multipartHint }),
    });
  }

  get raw(): MemoryStore {
    const entries = this.entries;
    return { entries, get size() { return entries.size; }, uploads: this.uploads.staged };
  }

  async put(key: string, body: DriverPutBody, options: DriverPutOptions): Promise<ObjectInfo> {
    // Read the whole body before looking at the current value, so the
    // condition and the swap happen in one synchronous step.
    // The stored bytes must never alias the caller's (an array or a stream chunk).
    const bytes = body instanceof Uint8Array ? body.slice() : await readAll(body, { copy: true });
    const current = this.entries.get(key);
    if (options.ifNotExists && current !== undefined) {
      throw new StorageError("AlreadyExists", `${key} already exists`);
    }
    if (options.ifMatch !== undefined && (current === undefined || current.info.etag !== options.ifMatch)) {
      throw new StorageError("PreconditionFailed", `${key} does not have etag ${options.ifMatch}`);
    }
    if (options.signal?.aborted) throw new StorageError("Aborted", "The put was aborted", { cause: options.signal.reason });
    const info = putObjectInfo(
      key,
      { size: bytes.byteLength, etag: this.nextEtag(), lastModified: new Date() },
      options,
    );
    if (current === undefined) this.index.insert(key);
    this.entries.set(key, { bytes, info });
    return copyInfo(info);
  }

  async get(key: string, options: DriverGetOptions): Promise<DriverGetResult | null> {
    throwIfAborted(options.signal, "get");
    const entry = this.entries.get(key);
    if (entry === undefined) return null;
    const etag = entry.info.etag;
    if (options.ifMatch !== undefined && options.ifMatch !== etag) {
      throw new StorageError("PreconditionFailed", `${key} does not have etag ${options.ifMatch}`);
    }
    if (options.ifNoneMatch !== undefined && options.ifNoneMatch === etag) {
      throw new StorageError("NotModified", `${key} still has etag ${etag}`);
    }
    const size = entry.bytes.byteLength;
    if (options.range === undefined) return { info: copyInfo(entry.info), body: entry.bytes.slice() };
    let offset: number;
    let end: number;
    if ("suffix" in options.range) {
      if (size === 0) throw new StorageError("RangeNotSatisfiable", `${key} is empty`);
      offset = Math.max(0, size - options.range.suffix);
      end = size;
    } else {
      offset = options.range.offset;
      if (offset >= size) throw new StorageError("RangeNotSatisfiable", `offset ${offset} is not below the size ${size}`);
      end = options.range.length === undefined ? size : Math.min(size, offset + options.range.length);
    }
    return {
      info: copyInfo(entry.info),
      body: entry.bytes.slice(offset, end),
      range: { offset, length: end - offset },
    };
  }

  async head(key: string, options: DriverOperationOptions = {}): Promise<ObjectInfo | null> {
    throwIfAborted(options.signal, "head");
    const entry = this.entries.get(key);
    return entry === undefined ? null : copyInfo(entry.info);
  }

  async list(options: DriverListOptions): Promise<ListPage> {
    throwIfAborted(options.signal, "list");
    const { prefix, delimiter, limit } = options;
    let position = this.index.lowerBound(prefix);
    const { startAfter } = options;
    if (startAfter !== undefined) {
      const after = this.index.upperBound(startAfter);
      if (comparePositions(after, position) > 0) position = after;
    }
    if (options.cursor !== undefined) {
      const cursor = decodeCursor(options.cursor);
      const resume = cursor.prefix ? this.index.afterPrefix(cursor.after) : this.index.upperBound(cursor.after);
      if (comparePositions(resume, position) > 0) position = resume;
    }
    const objects: ObjectInfo[] = [];
    const prefixes: string[] = [];
    let lastKey = "";
    let lastIsPrefix = false;
    for (;;) {
      const key = this.index.at(position);
      if (key === undefined || !key.startsWith(prefix)) return { objects, prefixes };
      if (objects.length + prefixes.length === limit) break;
      const cut = delimiter === undefined ? -1 : key.indexOf(delimiter, prefix.length);
      if (cut >= 0) {
        const common = key.slice(0, cut + delimiter!.length);
        position = this.index.afterPrefix(common);
        // A common prefix at or before startAfter (a/ for startAfter a/1) is not listed.
        if (startAfter !== undefined && compareUtf8(common, startAfter) <= 0) continue;
        prefixes.push(common);
        lastKey = common;
        lastIsPrefix = true;
      } else {
        objects.push(copyInfo(this.entries.get(key)!.info));
        lastKey = key;
        lastIsPrefix = false;
        this.index.advance(position);
      }
    }
    return { objects, prefixes, cursor: encodeCursor(lastKey, lastIsPrefix) };
  }

  async delete(keys: string[], options: DriverDeleteOptions = {}): Promise<void> {
    // All or nothing: an aborted delete removes no key.
    throwIfAborted(options.signal, "delete");
    if (options.ifMatch !== undefined) {
      for (const key of keys) {
        const etag = this.entries.get(key)?.info.etag;
        if (etag !== options.ifMatch) {
          throw new StorageError("PreconditionFailed", etag === undefined ? `${key} does not exist` : `${key} has etag ${etag}, not ${options.ifMatch}`);
        }
      }
    }
    for (const key of keys) {
      if (this.entries.delete(key)) this.index.remove(key);
    }
  }

  /**
   * Copies in one synchronous step. The target shares the source's bytes
   * (stored bytes are never changed in place, so neither object can change
   * the other) and gets a fresh etag and lastModified, like any write.
   */
  async copy(from: string, to: string, options: DriverCopyOptions): Promise<ObjectInfo> {
    const source = this.checkTransfer(from, to, options, "copy");
    const fields = options.replace ?? fieldsOf(source.info);
    const info = putObjectInfo(to, { size: source.bytes.byteLength, etag: this.nextEtag(), lastModified: new Date() }, fields);
    this.store(to, { bytes: source.bytes, info });
    return copyInfo(info);
  }

  /**
   * Renames in one synchronous step: the object (bytes, fields, etag and
   * lastModified) is under `to` and no longer under `from`, with no moment
   * where both or neither exist.
   */
  async move(from: string, to: string, options: DriverMoveOptions): Promise<ObjectInfo> {
    const source = this.checkTransfer(from, to, options, "move");
    const info: ObjectInfo = { ...copyInfo(source.info), key: to };
    this.store(to, { bytes: source.bytes, info });
    this.entries.delete(from);
    this.index.remove(from);
    return copyInfo(info);
  }

  signPut(key: string, options: DriverSignPutOptions): Promise<SignedRequest> {
    if (!this.signer) throw new StorageError("Unsupported", `This memory driver has no signing configured: ${hmacSigningHint("memoryDriver()")}`);
    return this.signer.signPut(key, options);
  }

  signGet(key: string, options: DriverSignGetOptions): Promise<SignedRequest> {
    if (!this.signer) throw new StorageError("Unsupported", `This memory driver has no signing configured: ${hmacSigningHint("memoryDriver()")}`);
    return this.signer.signGet(key, options);
  }

  /** Starts an upload: its fields are fixed now; nothing is visible until `completeUpload`. */
  async createUpload(key: string, options: DriverCreateUploadOptions): Promise<{ uploadId: string }> {
    throwIfAborted(options.signal, "createUpload");
    return { uploadId: this.uploads.create(key, options) };
  }

  async signUploadPart(key: string, uploadId: string, partNumber: number, options: DriverSignUploadPartOptions): Promise<SignedRequest> {
    const signer = partSignerOf(this.signer);
    if (signer === undefined) throw new StorageError("Unsupported", `This memory driver cannot sign upload parts: ${multipartHint}`);
    this.uploads.find(key, uploadId);
    return signer.signUploadPart(key, uploadId, partNumber, options);
  }

  /** Stages a part (for `@stowage/http`): read whole, then stored in one step; never listed or readable. */
  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: DriverPutBody,
    options: { size?: number; signal?: AbortSignal } = {},
  ): Promise<{ etag: string; size: number }> {
    this.uploads.find(key, uploadId);
    if (!Number.isSafeInteger(partNumber) || partNumber < 1) throw new StorageError("InvalidArgument", `partNumber must be a whole number from 1`);
    const bytes = body instanceof Uint8Array ? body.slice() : await readAll(body, { copy: true });
    throwIfAborted(options.signal, "uploadPart");
    if (options.size !== undefined && bytes.byteLength !== options.size) {
      throw new StorageError("InvalidArgument", `The part has ${bytes.byteLength} bytes but must have ${options.size}`, { key });
    }
    const etag = this.nextEtag();
    // Completed or aborted while the body was read: stage throws NotFound and stores nothing.
    this.uploads.stage(key, uploadId, partNumber, { bytes, etag });
    return { etag, size: bytes.byteLength };
  }

  async listUploadParts(key: string, uploadId: string, options: DriverOperationOptions = {}): Promise<UploadedPart[]> {
    throwIfAborted(options.signal, "listUploadParts");
    return this.uploads.listParts(key, uploadId);
  }

  /**
   * Joins the parts and makes the object visible in one synchronous step.
   * With `ifNotExists` an existing key is `AlreadyExists`; the upload stays open.
   */
  async completeUpload(
    key: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
    options: DriverCompleteUploadOptions = {},
  ): Promise<ObjectInfo> {
    throwIfAborted(options.signal, "completeUpload");
    const { upload, bytes } = this.uploads.assemble(key, uploadId, parts);
    if (options.ifNotExists && this.entries.has(key)) throw new StorageError("AlreadyExists", `${key} already exists`, { key });
    const info = putObjectInfo(key, { size: bytes.byteLength, etag: this.nextEtag(), lastModified: new Date() }, upload.fields);
    this.store(key, { bytes, info });
    this.uploads.abort(key, uploadId);
    return copyInfo(info);
  }

  async abortUpload(key: string, uploadId: string, options: DriverOperationOptions = {}): Promise<void> {
    throwIfAborted(options.signal, "abortUpload");
    this.uploads.abort(key, uploadId);
  }

  async listUploads(options: DriverListUploadsOptions): Promise<UploadListing[]> {
    throwIfAborted(options.signal, "listUploads");
    return this.uploads.list(options.prefix);
  }

  /** The source of a copy or move, after checking the signal and its conditions. */
  private checkTransfer(from: string, to: string, options: DriverCopyOptions, operation: string): Entry {
    throwIfAborted(options.signal, operation);
    const source = this.entries.get(from);
    if (source === undefined) throw new StorageError("NotFound", `${from} does not exist`, { key: from });
    if (options.ifMatch !== undefined && source.info.etag !== options.ifMatch) {
      throw new StorageError("PreconditionFailed", `${from} has etag ${source.info.etag}, not ${options.ifMatch}`, { key: from });
    }
    if (options.ifNotExists && this.entries.has(to)) throw new StorageError("AlreadyExists", `${to} already exists`, { key: to });
    return source;
  }

  private store(key: string, entry: Entry): void {
    if (!this.entries.has(key)) this.index.insert(key);
    this.entries.set(key, entry);
  }

  private nextEtag(): string {
    return `${this.etagPrefix}-${(++this.version).toString(36)}`;
  }
}

/** Creates the in-memory driver. */
export function memoryDriver(options?: MemoryDriverOptions): MemoryDriver {
  return new MemoryDriver(options);
}

