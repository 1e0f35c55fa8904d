import type { Capabilities, CapabilityHints, CapabilityName, SignPutConflict } from "./capabilities.js";
import type {
  DriverPutOptions, DriverSignGetOptions, DriverSignPutOptions, StorageDriver,
} from "./storage-driver.js";
import type {
  CopyOptions, DeleteOptions, DeletePrefixOptions, DeletePrefixResult, ExistsOptions, MoveOptions, ObjectFields, UpdateMetadataOptions,
  GetOptions, HeadOptions, ListOptions, ListPage, ObjectInfo, PutBody, PutOptions, SignedRequest, SignGetOptions, SignPutCheck,
  SignPutOptions, StorageOptions, StoredObject, SweepExpiredOptions, SweepExpiredResult,
} from "./storage-types.js";
import { StorageError, isStorageError } from "./storage-error.js";
import { assertValidKey } from "./validate-key.js";
import { defaultExpiresIn, invalid, metadataLimitOf, validateExpiresIn } from "./validate-options.js";
import { CheckedStream } from "./checked-stream.js";
import { assertKnownOptions, describe } from "./known-options.js";
import { raceAbort, throwIfAborted, validateSignal } from "./abort-signal.js";
import {
  copyOptionNames, deleteOptionNames, existsOptionNames, normalizeGetOptions, moveOptionNames, normalizeConditions, normalizeListOptions,
  changesOf, objectFieldNames, updateMetadataOptionNames, headOptionNames, normalizePutOptions, storageOptionNames,
} from "./operation-options.js";
import { sha256Hex } from "./sha256.js";
import { normalizeSignGetOptions, normalizeSignPutOptions, type SigningContext, type SignPutConstraints } from "./sign-options.js";
import { driverProblem, freezeConflicts } from "./driver-problem.js";
import { createStoredObject } from "./stored-object.js";
import { prepareBody, withBodyType } from "./put-body.js";
import { copyObject, moveObject, type CopyContext } from "./copy-object.js";
import { deletePrefix, normalizeDeletePrefixOptions } from "./delete-prefix.js";
import { publicBaseUrlFor, publicUrlFor } from "./public-url.js";
import { wrapError } from "./wrap-error.js";
import { Uploads } from "./upload-sessions.js";
import { signingTimes } from "./signing-times.js";
import { deleteKeys } from "./delete-keys.js";
import { discardExpired, explainExistingExpired, isExpired, lifetimeWithinExpiry, publicInfo, withExpiry } from "./object-expiry.js";
import { listVisible, normalizeSweepOptions, sweepExpired, sweepHint } from "./expiring-list.js";

/** Hints core gives when the driver has none: what works on any driver instead. */
const portableHints: Partial<Record<CapabilityName, string>> = {
  copy: "copyBetween(storage, from, storage, to) streams the object through this process instead",
  deleteIfMatch: "without conditional deletes a sweep could delete a concurrent rewrite; " + sweepHint,
};

/**
 * The portable API. It validates keys and options, fills defaults, refuses
 * options the driver's capabilities do not claim (`Unsupported`), and wraps
 * every error exactly once into a `StorageError`.
 */
export class Storage<D extends StorageDriver = StorageDriver> {
  /** The driver; `driver.raw` is typed as its native client when `D` is known (`createStorage(s3Driver(…)).driver.raw` is an `S3Client`). */
  readonly driver: D;
  readonly capabilities: Capabilities;
  /** The driver's refused signPut combinations, frozen at construction. */
  private readonly signPutConflicts: readonly SignPutConflict[];
  private readonly capabilityHints: CapabilityHints;
  private readonly clock: () => number;
  private readonly defaultExpiresIn: number;
  private readonly publicBaseUrl: string | undefined;
  private readonly metadataLimit: number;
  /** Multipart upload sessions (capability `multipartUpload`). */
  readonly uploads: Uploads;

  constructor(driver: D, options: StorageOptions = {}) {
    const problem = driverProblem(driver);
    if (problem !== undefined) throw new StorageError("InvalidArgument", `createStorage needs a StorageDriver: ${problem}`);
    assertKnownOptions(options, storageOptionNames, "createStorage options");
    if (options.clock !== undefined && typeof options.clock !== "function") {
      throw invalid(`clock must be a function returning milliseconds since the epoch (got ${describe(options.clock)})`);
    }
    this.driver = driver;
    this.capabilities = Object.freeze({ ...driver.capabilities });
    this.signPutConflicts = freezeConflicts(driver.signPutConflicts);
    this.capabilityHints = Object.freeze({ ...driver.capabilityHints });
    this.clock = options.clock ?? Date.now;
    this.defaultExpiresIn = validateExpiresIn(options.defaultExpiresIn, defaultExpiresIn);
    this.publicBaseUrl = options.publicBaseUrl === undefined ? undefined : publicBaseUrlFor(driver, options.publicBaseUrl);
    this.metadataLimit = metadataLimitOf(driver);
    this.uploads = new Uploads({
      driver,
      metadataLimit: this.metadataLimit,
      clock: this.clock,
      require: (capability, option) => this.require(capability, option),
      wrap: (error, operation, key) => this.wrap(error, operation, key),
    });
  }

  /** Stores `body` under `key`. */
  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<ObjectInfo> {
    let checked: CheckedStream | undefined;
    try {
      assertValidKey(key, "put");
      const driverOptions = this.putOptions(withBodyType(body, options));
      throwIfAborted(driverOptions.signal, "put");
      const prepared = prepareBody(body, driverOptions);
      checked = prepared.checked;
      if (prepared.body instanceof Uint8Array && driverOptions.sha256 !== undefined) {
        const actual = await sha256Hex(prepared.body);
        if (actual !== driverOptions.sha256) {
          throw new StorageError("ChecksumMismatch", `The body's SHA-256 is ${actual}, not ${driverOptions.sha256}`);
        }
      }
      const info = await this.driver.put(key, prepared.body, driverOptions);
      if (checked?.failure !== undefined) throw checked.failure;
      return publicInfo(info);
    } catch (error) {
      const failure = checked?.failure ?? error;
      const explained = this.capabilities.expiry ? await explainExistingExpired(failure, () => this.driver.head(key, {}), this.clock) : failure;
      throw this.wrap(explained, "put", key);
    }
  }

  /** Reads an object, or `null` when the key does not exist. */
  async get(key: string, options: GetOptions = {}): Promise<StoredObject | null> {
    try {
      assertValidKey(key, "get");
      const driverOptions = normalizeGetOptions(options, (capability, option) => this.require(capability, option));
      const signal = driverOptions.signal;
      throwIfAborted(signal, "get");
      const result = await raceAbort(this.driver.get(key, driverOptions), signal, "get");
      if (result === null) return null;
      if (await discardExpired(result, this.clock())) return null;
      return createStoredObject(result, (error) => this.wrap(error, "get", key));
    } catch (error) {
      throw this.wrap(error, "get", key);
    }
  }

  /** Reads an object's info, or `null` when the key does not exist. */
  async head(key: string, options: HeadOptions = {}): Promise<ObjectInfo | null> {
    try {
      assertValidKey(key, "head");
      const signal = this.operationSignal(options, headOptionNames, "head");
      return await this.visibleHead(key, signal, "head");
    } catch (error) {
      throw this.wrap(error, "head", key);
    }
  }

  /** Whether `key` exists (a `head` that answers only yes or no). */
  async exists(key: string, options: ExistsOptions = {}): Promise<boolean> {
    try {
      assertValidKey(key, "exists");
      const signal = this.operationSignal(options, existsOptionNames, "exists");
      return (await this.visibleHead(key, signal, "exists")) !== null;
    } catch (error) {
      throw this.wrap(error, "exists", key);
    }
  }

  /** Lists one page of keys, ascending by UTF-8 bytes. */
  async list(options: ListOptions = {}): Promise<ListPage> {
    try {
      const driverOptions = normalizeListOptions(options, (capability, option) => this.require(capability, option));
      const signal = validateSignal(options.signal);
      throwIfAborted(signal, "list");
      if (signal !== undefined) driverOptions.signal = signal;
      return await raceAbort(listVisible(this.driver, driverOptions, this.clock), signal, "list");
    } catch (error) {
      throw this.wrap(error, "list");
    }
  }

  /** Every object under the options' prefix, page by page. */
  async *listAll(options: Omit<ListOptions, "cursor"> = {}): AsyncIterable<ObjectInfo> {
    let cursor: string | undefined;
    do {
      const page = await this.list(cursor === undefined ? options : { ...options, cursor });
      for (const object of page.objects) yield object;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  /** Deletes one key or many. Deleting a missing key succeeds (unless `ifMatch` is given). */
  async delete(keyOrKeys: string | string[], options: DeleteOptions = {}): Promise<void> {
    const keys = Array.isArray(keyOrKeys) ? keyOrKeys : [keyOrKeys];
    try {
      for (const key of keys) assertValidKey(key, "delete");
      const signal = this.operationSignal(options, deleteOptionNames, "delete");
      await deleteKeys(this.driver, keys, options, signal, (capability, option) => this.require(capability, option));
    } catch (error) {
      throw this.wrap(error, "delete", typeof keyOrKeys === "string" ? keyOrKeys : undefined);
    }
  }

  /** Deletes every object under `prefix` in batches (everything: `{ all: true }`); calling again continues. */
  async deletePrefix(prefix: string, options: DeletePrefixOptions = {}): Promise<DeletePrefixResult> {
    try {
      return await deletePrefix(this.driver, normalizeDeletePrefixOptions(prefix, options));
    } catch (error) {
      throw this.wrap(error, "deletePrefix");
    }
  }

  /**
   * Deletes expired objects under `prefix` (capability `expiry`, and
   * `deleteIfMatch`): each only at the etag seen, so a concurrent rewrite
   * survives. Idempotent; calling again continues.
   */
  async sweepExpired(options: SweepExpiredOptions = {}): Promise<SweepExpiredResult> {
    try {
      const request = normalizeSweepOptions(options);
      this.require("expiry", "sweepExpired");
      this.require("deleteIfMatch", "sweepExpired");
      return await sweepExpired(this.driver, request, this.clock);
    } catch (error) {
      throw this.wrap(error, "sweepExpired");
    }
  }

  /** Copies `from` to `to`, keeping its fields unless options replace them; server-side where the driver can. */
  async copy(from: string, to: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    try {
      assertValidKey(from, "copy");
      assertValidKey(to, "copy");
      assertKnownOptions(options, copyOptionNames, "copy options");
      return publicInfo(await copyObject(this.copyContext(), from, to, { operation: "copy", ...normalizeConditions(options, "copy"), ...changesOf(options, this.metadataLimit) }));
    } catch (error) {
      throw this.wrap(error, "copy", to);
    }
  }

  /** Replaces an object's content type, content-* fields or metadata (the whole map), keeping its body. */
  async updateMetadata(key: string, changes: ObjectFields, options: UpdateMetadataOptions = {}): Promise<ObjectInfo> {
    try {
      assertValidKey(key, "updateMetadata");
      assertKnownOptions(changes, objectFieldNames, "updateMetadata changes");
      assertKnownOptions(options, updateMetadataOptionNames, "updateMetadata options");
      const request = { operation: "updateMetadata" as const, ...normalizeConditions(options, "updateMetadata"), ...changesOf(changes, this.metadataLimit) };
      if (request.changes === undefined) throw invalid("updateMetadata needs at least one field to change (contentType, metadata, ...)");
      return publicInfo(await copyObject(this.copyContext(), key, key, request));
    } catch (error) {
      throw this.wrap(error, "updateMetadata", key);
    }
  }

  /**
   * Moves `from` to `to`: the driver's atomic rename, else a copy and a delete
   * of the source only at the etag copied (a concurrent overwrite is never lost).
   */
  async move(from: string, to: string, options: MoveOptions = {}): Promise<ObjectInfo> {
    try {
      assertValidKey(from, "move");
      assertValidKey(to, "move");
      assertKnownOptions(options, moveOptionNames, "move options");
      return publicInfo(await moveObject(this.copyContext(), from, to, normalizeConditions(options, "move")));
    } catch (error) {
      throw this.wrap(error, "move", from);
    }
  }

  /** The unsigned URL of `key` under `publicBaseUrl`, each segment encoded; `Unsupported` without it. */
  publicUrl(key: string): string {
    try {
      assertValidKey(key, "publicUrl");
      return publicUrlFor(this.publicBaseUrl, key);
    } catch (error) {
      throw this.wrap(error, "publicUrl", key);
    }
  }

  /**
   * Whether `signPut` would mint a URL for these options, without I/O and
   * without minting: `{ ok: true }`, or the code (`Unsupported`,
   * `InvalidArgument`) and message `signPut` would reject with. It checks
   * what `signPut` checks about its options (unknown or malformed options,
   * a capability that is off, a combination the driver's `signPutConflicts`
   * refuses), by the same code, so the two never disagree. The key is
   * checked by `signPut` (`InvalidKey`), not here.
   */
  checkSignPut(options: SignPutOptions = {}): SignPutCheck {
    try {
      this.signPutOptions(options);
      return { ok: true };
    } catch (error) {
      if (isStorageError(error) && (error.code === "Unsupported" || error.code === "InvalidArgument")) {
        return { ok: false, code: error.code, reason: error.message };
      }
      throw error;
    }
  }

  /** Mints a URL an unauthenticated client can upload `key` to. */
  async signPut(key: string, options: SignPutOptions = {}): Promise<SignedRequest> {
    try {
      assertValidKey(key, "signPut");
      const { expiresIn, constraints } = this.signPutOptions(options);
      const driverOptions: DriverSignPutOptions = { ...signingTimes(this.clock, expiresIn), ...constraints };
      return await this.driver.signPut!.call(this.driver, key, driverOptions);
    } catch (error) {
      throw this.wrap(error, "signPut", key);
    }
  }

  /**
   * Validates signPut options: known names, values, capabilities and the
   * driver's conflicts. Throws the `StorageError` signPut rejects with.
   */
  private signPutOptions(options: SignPutOptions): { expiresIn: number; constraints: SignPutConstraints } {
    return normalizeSignPutOptions(options, this.signingContext());
  }

  /** Mints a URL an unauthenticated client can download `key` from. */
  async signGet(key: string, options: SignGetOptions = {}): Promise<SignedRequest> {
    try {
      assertValidKey(key, "signGet");
      const { expiresIn: asked, constraints } = normalizeSignGetOptions(options, this.signingContext());
      const expiresIn =
        this.capabilities.expiry && !this.capabilities.signGetExpiry ? await lifetimeWithinExpiry(() => this.driver.head(key, {}), key, asked, this.clock) : asked;
      const driverOptions: DriverSignGetOptions = { ...signingTimes(this.clock, expiresIn), ...constraints };
      return await this.driver.signGet!.call(this.driver, key, driverOptions);
    } catch (error) {
      throw this.wrap(error, "signGet", key);
    }
  }

  /** What the signing option checks need from this storage. */
  private signingContext(): SigningContext {
    return {
      driver: this.driver,
      conflicts: this.signPutConflicts,
      defaultExpiresIn: this.defaultExpiresIn,
      require: (capability, option) => this.require(capability, option),
      hint: (capability) => this.hint(capability),
    };
  }

  /** What copy and move need from this storage. */
  private copyContext(): CopyContext {
    return {
      driver: this.driver,
      require: (capability, option) => this.require(capability, option),
      can: (capability) => this.capabilities[capability],
      now: this.clock,
      metadataLimit: this.metadataLimit,
    };
  }

  /** Checks an options object that carries only a signal, and returns the signal. */
  private operationSignal(options: unknown, names: readonly string[], operation: string): AbortSignal | undefined {
    assertKnownOptions(options, names, `${operation} options`);
    const signal = validateSignal((options as { signal?: unknown }).signal);
    throwIfAborted(signal, operation);
    return signal;
  }

  /** A head that sees an expired object as absent, and hides the expiry field. */
  private async visibleHead(key: string, signal: AbortSignal | undefined, operation: string): Promise<ObjectInfo | null> {
    const info = await raceAbort(this.driver.head(key, signal === undefined ? {} : { signal }), signal, operation);
    return info === null || isExpired(info, this.clock()) ? null : publicInfo(info);
  }

  /** The driver's put options; an expiry becomes the reserved metadata field, out of the metadata budget. */
  private putOptions(options: PutOptions): DriverPutOptions {
    const require = (capability: CapabilityName, option: string) => this.require(capability, option);
    return withExpiry(options, this.clock, this.metadataLimit, require, (limit) => normalizePutOptions(options, require, limit));
  }

  private require(capability: CapabilityName, option: string): void {
    if (!this.capabilities[capability]) {
      throw new StorageError(
        "Unsupported",
        `The ${this.driver.name} driver does not support ${option} (capability ${capability} is off)${this.hint(capability)}`,
      );
    }
  }

  /** The driver's hint for switching `capability` on, as a message tail. */
  private hint(capability: CapabilityName): string {
    const hint = this.capabilityHints[capability] ?? portableHints[capability];
    return typeof hint === "string" && hint.length > 0 ? `: ${hint}` : "";
  }

  private wrap(error: unknown, operation: string, key?: string): StorageError {
    return wrapError(error, this.driver.name, operation, key);
  }
}

/**
 * Wraps a driver in the portable API. The result keeps the driver's type:
 * `createStorage(s3Driver(…)).driver.raw` is an `S3Client`.
 */
export function createStorage<D extends StorageDriver>(driver: D, options?: StorageOptions): Storage<D> {
  return new Storage(driver, options);
}
