import type { Capabilities, CapabilityHints, CapabilityName, SignPutConflict } from "./capabilities.js";
import type {
  DriverGetOptions,
  DriverListOptions,
  DriverPutBody,
  DriverPutOptions,
  DriverSignGetOptions,
  DriverSignPutOptions,
  StorageDriver,
} from "./storage-driver.js";
import type {
  DeleteOptions,
  GetOptions,
  HeadOptions,
  ListOptions,
  ListPage,
  ObjectInfo,
  PutBody,
  PutOptions,
  SignedRequest,
  SignGetOptions,
  SignPutCheck,
  SignPutOptions,
  StorageOptions,
  StoredObject,
} from "./storage-types.js";
import { StorageError, isStorageError } from "./storage-error.js";
import { assertValidKey } from "./validate-key.js";
import {
  defaultExpiresIn,
  invalid,
  normalizeEtag,
  validateExpiresIn,
  validateListText,
} from "./validate-options.js";
import { CheckedStream } from "./checked-stream.js";
import { assertKnownOptions, describe } from "./known-options.js";
import { raceAbort, throwIfAborted, validateSignal } from "./abort-signal.js";
import {
  deleteOptionNames,
  getOptionNames,
  headOptionNames,
  listOptionNames,
  normalizePutOptions,
  storageOptionNames,
  validateRange,
} from "./operation-options.js";
import { sha256Hex } from "./sha256.js";
import { normalizeSignGetOptions, normalizeSignPutOptions, type SigningContext, type SignPutConstraints } from "./sign-options.js";
import { driverProblem, freezeConflicts } from "./driver-problem.js";
import { createStoredObject } from "./stored-object.js";

const textEncoder = new TextEncoder();
const deleteBatchSize = 1000;
/** The largest instant a Date can hold. */
const maxClockMs = 8.64e15;

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
  }

  /** Stores `body` under `key`. */
  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<ObjectInfo> {
    let checked: CheckedStream | undefined;
    try {
      assertValidKey(key, "put");
      const driverOptions = this.putOptions(options);
      throwIfAborted(driverOptions.signal, "put");
      let driverBody: DriverPutBody;
      if (typeof body === "string") {
        driverBody = textEncoder.encode(body);
      } else if (body instanceof Uint8Array) {
        driverBody = body;
      } else if (body instanceof ArrayBuffer) {
        driverBody = new Uint8Array(body);
      } else if (typeof Blob !== "undefined" && body instanceof Blob) {
        if (driverOptions.size !== undefined && driverOptions.size !== body.size) {
          throw invalid(`The body has ${body.size} bytes but size says ${driverOptions.size}`);
        }
        driverOptions.size = body.size;
        checked = new CheckedStream(body.stream() as ReadableStream<Uint8Array>, driverOptions);
        driverBody = checked.stream;
      } else if (body instanceof ReadableStream) {
        if (body.locked) throw invalid("The body stream is locked (another reader is reading it); pass a stream nobody has read");
        checked = new CheckedStream(body, driverOptions);
        driverBody = checked.stream;
      } else {
        throw invalid(`body must be a ReadableStream, Uint8Array, ArrayBuffer, Blob or string (got ${describe(body)})`);
      }
      if (driverBody instanceof Uint8Array) {
        if (driverOptions.size !== undefined && driverOptions.size !== driverBody.byteLength) {
          throw invalid(`The body has ${driverBody.byteLength} bytes but size says ${driverOptions.size}`);
        }
        driverOptions.size = driverBody.byteLength;
        if (driverOptions.sha256 !== undefined) {
          const actual = await sha256Hex(driverBody);
          if (actual !== driverOptions.sha256) {
            throw new StorageError("ChecksumMismatch", `The body's SHA-256 is ${actual}, not ${driverOptions.sha256}`);
          }
        }
      }
      const info = await this.driver.put(key, driverBody, driverOptions);
      if (checked?.failure !== undefined) throw checked.failure;
      return info;
    } catch (error) {
      throw this.wrap(checked?.failure ?? error, "put", key);
    }
  }

  /** Reads an object, or `null` when the key does not exist. */
  async get(key: string, options: GetOptions = {}): Promise<StoredObject | null> {
    try {
      assertValidKey(key, "get");
      assertKnownOptions(options, getOptionNames, "get options");
      const driverOptions: DriverGetOptions = {};
      if (options.range !== undefined) {
        this.require("rangeRead", "range");
        driverOptions.range = validateRange(options.range);
      }
      if (options.ifMatch !== undefined) {
        this.require("conditionalGet", "ifMatch");
        driverOptions.ifMatch = normalizeEtag(options.ifMatch, "ifMatch");
      }
      if (options.ifNoneMatch !== undefined) {
        this.require("conditionalGet", "ifNoneMatch");
        driverOptions.ifNoneMatch = normalizeEtag(options.ifNoneMatch, "ifNoneMatch");
      }
      const signal = validateSignal(options.signal);
      if (signal !== undefined) {
        throwIfAborted(signal, "get");
        driverOptions.signal = signal;
      }
      const result = await raceAbort(this.driver.get(key, driverOptions), signal, "get");
      if (result === null) return null;
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
      return await raceAbort(this.driver.head(key, signal === undefined ? {} : { signal }), signal, "head");
    } catch (error) {
      throw this.wrap(error, "head", key);
    }
  }

  /** Lists one page of keys, ascending by UTF-8 bytes. */
  async list(options: ListOptions = {}): Promise<ListPage> {
    try {
      assertKnownOptions(options, listOptionNames, "list options");
      const prefix = options.prefix === undefined ? "" : validateListText(options.prefix, "prefix", true);
      const limit = options.limit === undefined ? 1000 : options.limit;
      if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw invalid(`limit must be an integer from 1 to 1000 (got ${typeof limit === "number" ? limit : describe(limit)})`);
      }
      const driverOptions: DriverListOptions = { prefix, limit };
      if (options.delimiter !== undefined) {
        this.require("listDelimiter", "delimiter");
        driverOptions.delimiter = validateListText(options.delimiter, "delimiter", false);
      }
      if (options.cursor !== undefined) {
        if (typeof options.cursor !== "string" || options.cursor.length === 0) {
          throw invalid("cursor must be the non-empty string a previous list page returned");
        }
        driverOptions.cursor = options.cursor;
      }
      const signal = validateSignal(options.signal);
      throwIfAborted(signal, "list");
      if (signal !== undefined) driverOptions.signal = signal;
      const page = await raceAbort(this.driver.list(driverOptions), signal, "list");
      const result: ListPage = { objects: page.objects, prefixes: page.prefixes };
      if (page.cursor !== undefined) result.cursor = page.cursor;
      return result;
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

  /** Deletes one key or many. Deleting a missing key succeeds. */
  async delete(keyOrKeys: string | string[], options: DeleteOptions = {}): Promise<void> {
    const keys = Array.isArray(keyOrKeys) ? keyOrKeys : [keyOrKeys];
    try {
      for (const key of keys) assertValidKey(key, "delete");
      const signal = this.operationSignal(options, deleteOptionNames, "delete");
      const unique = [...new Set(keys)];
      for (let start = 0; start < unique.length; start += deleteBatchSize) {
        throwIfAborted(signal, "delete");
        const batch = unique.slice(start, start + deleteBatchSize);
        await raceAbort(this.driver.delete(batch, signal === undefined ? {} : { signal }), signal, "delete");
      }
    } catch (error) {
      throw this.wrap(error, "delete", typeof keyOrKeys === "string" ? keyOrKeys : undefined);
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
      const nowMs = this.now();
      const driverOptions: DriverSignPutOptions = {
        expiresIn,
        now: new Date(nowMs),
        expiresAt: new Date(nowMs + expiresIn * 1000),
        ...constraints,
      };
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
      const { expiresIn, constraints } = normalizeSignGetOptions(options, this.signingContext());
      const nowMs = this.now();
      const driverOptions: DriverSignGetOptions = {
        expiresIn,
        now: new Date(nowMs),
        expiresAt: new Date(nowMs + expiresIn * 1000),
        ...constraints,
      };
      const signGet = this.driver.signGet!;
      return await signGet.call(this.driver, key, driverOptions);
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

  /** The clock's reading, checked: a clock that returns NaN must not mint URLs with `expires=NaN`. */
  private now(): number {
    const now: unknown = this.clock();
    if (typeof now !== "number" || !Number.isFinite(now) || now < 0 || now > maxClockMs) {
      throw invalid(`The storage clock returned ${describe(now)}; it must return milliseconds since the epoch, like Date.now()`);
    }
    return now;
  }

  /** Checks an options object that carries only a signal, and returns the signal. */
  private operationSignal(options: unknown, names: readonly string[], operation: string): AbortSignal | undefined {
    assertKnownOptions(options, names, `${operation} options`);
    const signal = validateSignal((options as { signal?: unknown }).signal);
    throwIfAborted(signal, operation);
    return signal;
  }

  private putOptions(options: PutOptions): DriverPutOptions {
    return normalizePutOptions(options, (capability, option) => this.require(capability, option));
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
    const hint = this.capabilityHints[capability];
    return typeof hint === "string" && hint.length > 0 ? `: ${hint}` : "";
  }

  private wrap(error: unknown, operation: string, key?: string): StorageError {
    let wrapped: StorageError;
    if (isStorageError(error)) {
      wrapped = error;
    } else if (isAbortError(error)) {
      wrapped = new StorageError("Aborted", `The ${operation} was aborted`, { cause: error });
    } else {
      const detail = error instanceof Error ? error.message : String(error);
      wrapped = new StorageError("Unknown", `The ${this.driver.name} driver failed in ${operation}: ${detail}`, { cause: error });
    }
    if (!wrapped.operation) wrapped.operation = operation;
    if (wrapped.key === undefined && key !== undefined) wrapped.key = key;
    if (!wrapped.driver) wrapped.driver = this.driver.name;
    return wrapped;
  }
}

function isAbortError(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "AbortError";
}

/**
 * Wraps a driver in the portable API. The result keeps the driver's type:
 * `createStorage(s3Driver(…)).driver.raw` is an `S3Client`.
 */
export function createStorage<D extends StorageDriver>(driver: D, options?: StorageOptions): Storage<D> {
  return new Storage(driver, options);
}
