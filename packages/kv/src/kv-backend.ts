/**
 * The seam between `createKv` and what stores the values: a `Storage`
 * (`storageKvBackend`) or the Workers KV binding (`kvBinding`). `createKv`
 * validates keys, values, TTLs and metadata against `limits` before calling
 * a backend, runs the read cache, and filters expired values by its own
 * clock; a backend does the I/O and maps native errors to `StorageError`.
 */

/** What a backend can hold; `createKv` refuses anything outside before any write. */
export interface KvBackendLimits {
  /** The longest key, in UTF-8 bytes (after the Kv's prefix). */
  maxKeyBytes: number;
  /** The largest value, in bytes (`TooLarge` above it). */
  maxValueBytes: number;
  /** The largest caller metadata, as UTF-8 bytes of its JSON (`InvalidArgument` above it, as core refuses oversize object metadata). */
  maxMetadataBytes: number;
  /** The shortest TTL in whole seconds (the Workers KV binding: 60). */
  minTtlSeconds: number;
}

/** One stored value as the backend returns it. */
export interface KvBackendRecord {
  value: Uint8Array;
  contentType: string;
  /** The caller's metadata, parsed from JSON, or `null` when none was stored. */
  metadata: unknown;
  expiresAt?: Date;
}

export interface KvBackendPutOptions {
  contentType: string;
  /** The caller's metadata as its JSON text, already validated; absent when none. */
  metadataJson?: string;
  /** An instant at least `limits.minTtlSeconds` after now, already validated. */
  expiresAt?: Date;
  signal?: AbortSignal;
}

export interface KvBackendListEntry {
  key: string;
  expiresAt?: Date;
  /** The caller's metadata, or `null`. */
  metadata: unknown;
}

export interface KvBackendListOptions {
  prefix?: string;
  cursor?: string;
  /** 1..1000. */
  limit: number;
  signal?: AbortSignal;
}

export interface KvBackendListPage {
  entries: KvBackendListEntry[];
  /** Absent on the last page. */
  cursor?: string;
}

export interface KvSweepResult {
  /** Keys examined. */
  scanned: number;
  /** Expired keys deleted by this call. */
  deleted: number;
}

export interface KvBackend {
  /** Shown in errors, such as "storage (fs)" or "workers-kv". */
  readonly name: string;
  readonly limits: KvBackendLimits;
  /** Whether `sweepExpired` is safe against a concurrent rewrite (or unnecessary: native expiry). */
  readonly sweepSupported: boolean;
  get(key: string, options: { signal?: AbortSignal }): Promise<KvBackendRecord | null>;
  /** Replaces the whole value, metadata and expiry; atomic (a reader sees the old or the new value, whole). */
  put(key: string, value: Uint8Array, options: KvBackendPutOptions): Promise<void>;
  delete(key: string, options: { signal?: AbortSignal }): Promise<void>;
  list(options: KvBackendListOptions): Promise<KvBackendListPage>;
  /** Deletes expired values under `prefix`; never a value rewritten meanwhile. */
  sweepExpired(options: { prefix?: string; signal?: AbortSignal }): Promise<KvSweepResult>;
}
