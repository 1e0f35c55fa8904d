import type { KvBackendRecord } from "./kv-backend.js";

/** Bounds of a `KvReadCache`. */
export interface KvReadCacheOptions {
  /** How long an entry serves, in seconds (0 turns the cache off). */
  ttlSeconds: number;
  /** The most entries held (least recently used go first). */
  maxEntries: number;
  /** The most bytes held (values, keys and metadata, roughly). */
  maxBytes: number;
  /** Milliseconds since the epoch. */
  clock: () => number;
}

interface Entry {
  record: KvBackendRecord | null;
  bytes: number;
  /** Serves while `clock() < until`. */
  until: number;
}

/** A ticket for one backend read: `store` ignores it if the key was written meanwhile. */
export interface ReadTicket {
  key: string;
  stale: boolean;
}

/**
 * Recently read values and misses, bounded by entries and bytes (LRU), each
 * served for `ttlSeconds` but never past the value's own expiry. `invalidate`
 * drops a key at once and marks every read of it still in flight as stale,
 * so a read that raced a write cannot put the old value back.
 */
export class KvReadCache {
  readonly #options: KvReadCacheOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Set<ReadTicket>>();
  #bytes = 0;

  constructor(options: KvReadCacheOptions) {
    this.#options = options;
  }

  /** Whether the cache holds anything at all (`ttlSeconds > 0`). */
  get enabled(): boolean {
    return this.#options.ttlSeconds > 0 && this.#options.maxEntries > 0 && this.#options.maxBytes > 0;
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The cached record (`null` for a cached miss), or `undefined` when nothing serves. */
  lookup(key: string): KvBackendRecord | null | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.#options.clock() >= entry.until) {
      this.#remove(key, entry);
      return undefined;
    }
    // Most recently used goes last.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.record;
  }

  /** Starts a backend read of `key`. */
  begin(key: string): ReadTicket {
    const ticket: ReadTicket = { key, stale: false };
    let tickets = this.#inFlight.get(key);
    if (tickets === undefined) this.#inFlight.set(key, (tickets = new Set()));
    tickets.add(ticket);
    return ticket;
  }

  /** Ends a read; keeps its result unless a write of the key happened since `begin`. */
  finish(ticket: ReadTicket, record: KvBackendRecord | null | undefined): void {
    const tickets = this.#inFlight.get(ticket.key);
    tickets?.delete(ticket);
    if (tickets !== undefined && tickets.size === 0) this.#inFlight.delete(ticket.key);
    if (ticket.stale || record === undefined || !this.enabled) return;
    const now = this.#options.clock();
    let until = now + this.#options.ttlSeconds * 1000;
    if (record?.expiresAt !== undefined) until = Math.min(until, record.expiresAt.getTime());
    if (until <= now) return;
    const bytes = sizeOf(ticket.key, record);
    if (bytes > this.#options.maxBytes) return;
    const old = this.#entries.get(ticket.key);
    if (old !== undefined) this.#remove(ticket.key, old);
    this.#entries.set(ticket.key, { record, bytes, until });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.#options.maxEntries && this.#bytes <= this.#options.maxBytes) break;
      this.#remove(oldest, entry);
    }
  }

  /** Drops `key` now and spoils reads of it in flight (a write through this Kv). */
  invalidate(key: string): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined) this.#remove(key, entry);
    for (const ticket of this.#inFlight.get(key) ?? []) ticket.stale = true;
  }

  /** Drops everything. */
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
    for (const tickets of this.#inFlight.values()) for (const ticket of tickets) ticket.stale = true;
  }

  #remove(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}

function sizeOf(key: string, record: KvBackendRecord | null): number {
  // Keys and content types count as two bytes a character; 64 bytes of bookkeeping.
  const base = 64 + key.length * 2;
  if (record === null) return base;
  const metadata = record.metadata === null || record.metadata === undefined ? 0 : JSON.stringify(record.metadata).length * 2;
  return base + record.value.byteLength + record.contentType.length * 2 + metadata;
}
