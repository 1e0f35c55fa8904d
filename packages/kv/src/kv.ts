import type { KvBackend, KvBackendLimits, KvBackendRecord, KvSweepResult } from "./kv-backend.js";
import { kvError } from "./kv-errors.js";
import { KvReadCache } from "./kv-read-cache.js";
import { encodeValue, kvValueOf, type KvPutValue, type KvValue } from "./kv-value.js";
import { resolveExpiry, validateKey, validateListLimit, validateMetadata, validateValueSize } from "./kv-validation.js";

/** Options of `Kv.put`. */
export interface KvPutOptions {
  /** Seconds until the value expires (a whole number, at least the backend's `minTtlSeconds`). */
  ttlSeconds?: number;
  /** When the value expires (at least `minTtlSeconds` from now). Not with `ttlSeconds`. */
  expiresAt?: Date;
  /** Any JSON-serializable value, up to the backend's `maxMetadataBytes` as JSON. */
  metadata?: unknown;
  /** Overrides the content type picked from the value. */
  contentType?: string;
  signal?: AbortSignal;
}

/** Options of `Kv.list`. */
export interface KvListOptions {
  prefix?: string;
  /** From the previous page. */
  cursor?: string;
  /** 1..1000, default 1000. */
  limit?: number;
  signal?: AbortSignal;
}

/** One listed key. */
export interface KvListKey {
  name: string;
  expiresAt?: Date;
  /** The key's metadata, or `null`. */
  metadata: unknown;
}

/** One page of `Kv.list`. */
export interface KvListResult {
  keys: KvListKey[];
  /** Absent on the last page. */
  cursor?: string;
}

/** What `Kv.getWithMetadata` returns (the Workers KV shape). */
export interface KvValueWithMetadata {
  value: KvValue | null;
  metadata: unknown;
  expiresAt?: Date;
}

/** The resolved settings of a Kv. */
export interface KvSettings {
  ttlSeconds?: number;
  cacheTtlSeconds: number;
  cacheMaxEntries: number;
  cacheMaxBytes: number;
  clock: () => number;
}

/**
 * A key-value store over a `KvBackend`: validates every input before any
 * write, hides expired values by its own clock, and serves recent reads from a
 * bounded in-memory cache (`cacheTtlSeconds`). Create one with `createKv`.
 */
export class Kv {
  readonly #backend: KvBackend;
  readonly #settings: KvSettings;
  readonly #cache: KvReadCache;

  constructor(backend: KvBackend, settings: KvSettings) {
    this.#backend = backend;
    this.#settings = settings;
    this.#cache = new KvReadCache({
      ttlSeconds: settings.cacheTtlSeconds,
      maxEntries: settings.cacheMaxEntries,
      maxBytes: settings.cacheMaxBytes,
      clock: settings.clock,
    });
  }

  /** The backend's limits (what `put` refuses above). */
  get limits(): KvBackendLimits {
    return this.#backend.limits;
  }

  /** The backend's name, such as "storage (fs)" or "workers-kv". */
  get backendName(): string {
    return this.#backend.name;
  }

  /** Whether `sweepExpired` is available (safe against a concurrent rewrite). */
  get sweepSupported(): boolean {
    return this.#backend.sweepSupported;
  }

  /** The value of `key`, or `null` when absent or expired. */
  get(key: string, options: { signal?: AbortSignal } = {}): Promise<KvValue | null> {
    try {
      // A cache hit answers without another await.
      const hit = this.#cached(key, "get");
      if (hit !== undefined) return Promise.resolve(hit === null ? null : kvValueOf(key, hit));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#fetch(key, options.signal).then((record) => (record === null ? null : kvValueOf(key, record)));
  }

  /** The value with its metadata and expiry. */
  async getWithMetadata(key: string, options: { signal?: AbortSignal } = {}): Promise<KvValueWithMetadata> {
    const record = await this.#read(key, options.signal, "getWithMetadata");
    if (record === null) return { value: null, metadata: null };
    const value = kvValueOf(key, record);
    return value.expiresAt === undefined ? { value, metadata: value.metadata } : { value, metadata: value.metadata, expiresAt: value.expiresAt };
  }

  /**
   * Stores `value` under `key`, replacing the value, metadata and expiry.
   * Refuses bad input (`InvalidArgument`, `TooLarge`, `Unsupported`) before
   * any write. This Kv's cache forgets the key at once, even if the put fails.
   */
  async put(key: string, value: KvPutValue, options: KvPutOptions = {}): Promise<void> {
    const limits = this.#backend.limits;
    validateKey(key, limits, "put");
    // Forget the key before anything can fail: a refused put still drops it.
    this.#cache.invalidate(key);
    if (typeof options !== "object" || options === null) throw kvError("InvalidArgument", "put options must be an object", "put", key);
    const expiresAt = resolveExpiry(options, this.#settings.ttlSeconds, limits, this.#settings.clock(), key);
    const metadataJson = validateMetadata(options.metadata, limits, key);
    if (options.contentType !== undefined && (typeof options.contentType !== "string" || options.contentType === "")) {
      throw kvError("InvalidArgument", "contentType must be a non-empty string", "put", key);
    }
    if (typeof Blob !== "undefined" && value instanceof Blob) validateValueSize(value.size, limits, key);
    const encoded = await encodeValue(value, key);
    validateValueSize(encoded.bytes.byteLength, limits, key);
    try {
      await this.#backend.put(key, encoded.bytes, {
        contentType: options.contentType ?? encoded.contentType,
        ...(metadataJson === undefined ? {} : { metadataJson }),
        ...(expiresAt === undefined ? {} : { expiresAt }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } finally {
      this.#cache.invalidate(key);
    }
  }

  /** Removes `key` (no error when absent). This Kv's cache forgets it at once. */
  async delete(key: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    validateKey(key, this.#backend.limits, "delete");
    this.#cache.invalidate(key);
    try {
      await this.#backend.delete(key, options);
    } finally {
      this.#cache.invalidate(key);
    }
  }

  /** Keys in order, `limit` at most per page; expired keys never appear. */
  async list(options: KvListOptions = {}): Promise<KvListResult> {
    const limit = validateListLimit(options.limit);
    if (options.prefix !== undefined && typeof options.prefix !== "string") throw kvError("InvalidArgument", "list prefix must be a string", "list");
    if (options.cursor !== undefined && (typeof options.cursor !== "string" || options.cursor === "")) {
      throw kvError("InvalidArgument", "list cursor must be the non-empty string a previous page returned", "list");
    }
    const keys: KvListKey[] = [];
    let cursor = options.cursor;
    // Expired keys are dropped, so pages are refilled; each backend page is
    // asked for no more than still fits, so it is consumed whole.
    do {
      const page = await this.#backend.list({
        limit: limit - keys.length,
        ...(options.prefix ? { prefix: options.prefix } : {}),
        ...(cursor === undefined ? {} : { cursor }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      const now = this.#settings.clock();
      for (const entry of page.entries) {
        if (entry.expiresAt !== undefined && entry.expiresAt.getTime() <= now) continue;
        const listed: KvListKey = { name: entry.key, metadata: entry.metadata ?? null };
        if (entry.expiresAt !== undefined) listed.expiresAt = new Date(entry.expiresAt.getTime());
        keys.push(listed);
      }
      cursor = page.cursor;
    } while (cursor !== undefined && keys.length < limit);
    return cursor === undefined ? { keys } : { keys, cursor };
  }

  /**
   * Deletes expired values under `prefix` (never one rewritten meanwhile).
   * Idempotent. `Unsupported` where the backend cannot do it safely.
   */
  async sweepExpired(options: { prefix?: string; signal?: AbortSignal } = {}): Promise<KvSweepResult> {
    if (!this.#backend.sweepSupported) {
      throw kvError(
        "Unsupported",
        `sweepExpired is not available on ${this.#backend.name}: it needs conditional deletes (deleteIfMatch) and object expiry; expired values still read as null. Let a bucket lifecycle rule delete them instead`,
        "sweepExpired",
      );
    }
    this.#cache.clear();
    return this.#backend.sweepExpired(options);
  }

  /** Validates `key`; the live cached record (`null`: a cached miss or expired), or `undefined` when the cache has none. */
  #cached(key: string, operation: string): KvBackendRecord | null | undefined {
    validateKey(key, this.#backend.limits, operation);
    if (!this.#cache.enabled) return undefined;
    const record = this.#cache.lookup(key);
    if (record === undefined || record === null) return record;
    return this.#live(record);
  }

  #live(record: KvBackendRecord): KvBackendRecord | null {
    return record.expiresAt !== undefined && record.expiresAt.getTime() <= this.#settings.clock() ? null : record;
  }

  async #read(key: string, signal: AbortSignal | undefined, operation: string): Promise<KvBackendRecord | null> {
    const cached = this.#cached(key, operation);
    return cached !== undefined ? cached : this.#fetch(key, signal);
  }

  /** Reads the backend (and fills the cache when it is on). */
  async #fetch(key: string, signal: AbortSignal | undefined): Promise<KvBackendRecord | null> {
    let record: KvBackendRecord | null;
    if (!this.#cache.enabled) record = await this.#backend.get(key, signal === undefined ? {} : { signal });
    else {
      const ticket = this.#cache.begin(key);
      let fetched: KvBackendRecord | null | undefined;
      try {
        fetched = await this.#backend.get(key, signal === undefined ? {} : { signal });
      } finally {
        this.#cache.finish(ticket, fetched);
      }
      record = fetched;
    }
    return record === null ? null : this.#live(record);
  }
}
