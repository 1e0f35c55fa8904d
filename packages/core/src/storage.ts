import {
  signPutConstraintCapabilities,
  type Capabilities,
  type CapabilityHints,
  type CapabilityName,
  type SignPutConflict,
  type SignPutConstraint,
} from "./capabilities.js";
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
  validateContentType,
  validateExpiresIn,
  validateListText,
  isWellFormed,
  validateNonNegativeInteger,
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
  signGetOptionNames,
  signPutOptionNames,
  storageOptionNames,
  validateRange,
} from "./operation-options.js";
import { sha256Hex } from "./sha256.js";
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
    this.signPutConflicts = Object.freeze(
      (driver.signPutConflicts ?? []).map((conflict) =>
        Object.freeze({
          constraints: Object.freeze([...conflict.constraints]),
          ...(conflict.unless === undefined ? {} : { unless: Object.freeze([...conflict.unless]) }),
          reason: conflict.reason,
        }),
      ),
    );
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
  private signPutOptions(options: SignPutOptions): {
    expiresIn: number;
    constraints: Omit<DriverSignPutOptions, "expiresIn" | "now" | "expiresAt">;
  } {
    assertKnownOptions(options, signPutOptionNames, "signPut options");
    this.require("signPut", "signPut");
    if (typeof this.driver.signPut !== "function") {
      throw new StorageError("Unsupported", `The ${this.driver.name} driver cannot sign uploads${this.hint("signPut")}`);
    }
    const expiresIn = validateExpiresIn(options.expiresIn, this.defaultExpiresIn);
    const constraints: Omit<DriverSignPutOptions, "expiresIn" | "now" | "expiresAt"> = {};
    if (options.contentType !== undefined) {
      this.require("signPutContentType", "contentType");
      constraints.contentType = validateContentType(options.contentType);
    }
    if (options.size !== undefined) {
      this.require("signPutSize", "size");
      constraints.size = validateNonNegativeInteger(options.size, "size");
    }
    if (options.maxSize !== undefined) {
      this.require("signPutMaxSize", "maxSize");
      constraints.maxSize = validateNonNegativeInteger(options.maxSize, "maxSize");
    }
    if (constraints.size !== undefined && constraints.maxSize !== undefined && constraints.size > constraints.maxSize) {
      throw invalid(`size (${constraints.size}) is larger than maxSize (${constraints.maxSize})`);
    }
    if (options.oneTime !== undefined && options.oneTime !== false) {
      if (options.oneTime !== true) throw invalid("oneTime must be a boolean");
      this.require("signPutOneTime", "oneTime");
      constraints.oneTime = true;
    }
    if (options.ifNotExists !== undefined && options.ifNotExists !== false) {
      if (options.ifNotExists !== true) throw invalid("ifNotExists must be a boolean");
      this.require("signPutIfNotExists", "ifNotExists");
      constraints.ifNotExists = true;
    }
    const set = (name: SignPutConstraint): boolean => constraints[name] !== undefined;
    for (const conflict of this.signPutConflicts) {
      if (conflict.constraints.every(set) && !(conflict.unless ?? []).some(set)) {
        throw new StorageError(
          "Unsupported",
          `The ${this.driver.name} driver cannot combine ${conflict.constraints.join(" with ")} in one signed upload: ${conflict.reason}`,
        );
      }
    }
    return { expiresIn, constraints };
  }

  /** Mints a URL an unauthenticated client can download `key` from. */
  async signGet(key: string, options: SignGetOptions = {}): Promise<SignedRequest> {
    try {
      assertValidKey(key, "signGet");
      assertKnownOptions(options, signGetOptionNames, "signGet options");
      this.require("signGet", "signGet");
      const signGet = this.driver.signGet;
      if (typeof signGet !== "function") {
        throw new StorageError("Unsupported", `The ${this.driver.name} driver cannot sign downloads${this.hint("signGet")}`);
      }
      const expiresIn = validateExpiresIn(options.expiresIn, this.defaultExpiresIn);
      const nowMs = this.now();
      const driverOptions: DriverSignGetOptions = {
        expiresIn,
        now: new Date(nowMs),
        expiresAt: new Date(nowMs + expiresIn * 1000),
      };
      if (options.downloadFilename !== undefined) {
        const name = options.downloadFilename;
        if (typeof name !== "string" || name.length === 0 || name.length > 1024 || /[\x00-\x1f\x7f]/.test(name)) {
          throw invalid("downloadFilename must be 1-1024 characters without control characters");
        }
        if (!isWellFormed(name)) throw invalid("downloadFilename must be well-formed Unicode (it has a lone surrogate)");
        driverOptions.downloadFilename = name;
      }
      if (options.responseContentType !== undefined) {
        driverOptions.responseContentType = validateContentType(options.responseContentType, "responseContentType");
      }
      if (options.inline !== undefined && options.inline !== false) {
        if (options.inline !== true) throw invalid("inline must be a boolean");
        if (driverOptions.downloadFilename !== undefined) {
          throw invalid("inline cannot be combined with downloadFilename (a download name is served as an attachment)");
        }
        driverOptions.inline = true;
      }
      return await signGet.call(this.driver, key, driverOptions);
    } catch (error) {
      throw this.wrap(error, "signGet", key);
    }
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

/** Why `value` is not a usable StorageDriver, or `undefined`. */
function driverProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return `got ${value === null ? "null" : typeof value}`;
  const driver = value as Partial<Record<keyof StorageDriver, unknown>>;
  if (typeof driver.name !== "string") return "it has no name";
  if (driver.capabilities === null || typeof driver.capabilities !== "object") return "it has no capabilities";
  for (const method of ["put", "get", "head", "list", "delete"] as const) {
    if (typeof driver[method] !== "function") return `it has no ${method} method`;
  }
  if (driver.signPutConflicts !== undefined) {
    if (!Array.isArray(driver.signPutConflicts)) return "its signPutConflicts is not an array";
    for (const conflict of driver.signPutConflicts as unknown[]) {
      const problem = conflictProblem(conflict);
      if (problem !== undefined) return `its signPutConflicts has ${problem}`;
    }
  }
  if (driver.capabilityHints !== undefined && (driver.capabilityHints === null || typeof driver.capabilityHints !== "object")) {
    return "its capabilityHints is not an object";
  }
  return undefined;
}

/** Why `value` is not a `SignPutConflict`, or `undefined`. */
function conflictProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return `an entry that is ${describe(value)}`;
  const { constraints, unless, reason } = value as Record<string, unknown>;
  const names = (list: unknown): boolean =>
    Array.isArray(list) && list.every((name) => typeof name === "string" && Object.hasOwn(signPutConstraintCapabilities, name));
  if (!names(constraints) || (constraints as unknown[]).length < 2) return "an entry whose constraints are not two or more signPut constraint names";
  if (unless !== undefined && !names(unless)) return "an entry whose unless is not a list of signPut constraint names";
  if (typeof reason !== "string" || reason.length === 0) return "an entry without a reason";
  return undefined;
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
