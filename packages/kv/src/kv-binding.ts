import { StorageError, assertKnownOptions, throwIfAborted } from "@stowage/core";
import type {
  KvBackend,
  KvBackendLimits,
  KvBackendListOptions,
  KvBackendListPage,
  KvBackendPutOptions,
  KvBackendRecord,
  KvSweepResult,
} from "./kv-backend.js";
import { toKvStorageError } from "./kv-binding-errors.js";
import { maxCallerMetadataBytes, maxExpirationSeconds, packWrapper, unpackMetadata } from "./kv-binding-wrapper.js";

/**
 * The part of a Workers KV binding (`KVNamespace` from
 * @cloudflare/workers-types) that `kvBinding` uses. Declared here so the
 * package needs no Workers types; `env.MY_KV` satisfies it.
 */
export interface KvNamespaceLike {
  getWithMetadata(key: string, type: "arrayBuffer"): Promise<{ value: ArrayBuffer | null; metadata: unknown }>;
  put(key: string, value: Uint8Array, options?: { expiration?: number; metadata?: unknown }): Promise<void>;
  delete(key: string): Promise<void>;
  list(options?: { prefix?: string | null; cursor?: string | null; limit?: number }): Promise<{
    keys: { name: string; expiration?: number; metadata?: unknown }[];
    list_complete: boolean;
    cursor?: string;
  }>;
}

export interface KvBindingOptions {
  /** The Workers KV binding from the Worker's `env` (for example `env.MY_KV`). */
  namespace: KvNamespaceLike;
}

/**
 * The Workers KV limits as a Kv sees them. The binding caps an entry's
 * metadata at 1024 bytes of JSON, and `kvBinding` keeps the content type and
 * the exact expiry there too, so a caller's metadata gets 1024 minus the
 * wrapper's worst case (157 bytes, with a content type of up to 128 bytes as
 * JSON): 867 bytes.
 */
export const kvBindingLimits: KvBackendLimits = Object.freeze({
  maxKeyBytes: 512,
  maxValueBytes: 25 * 1024 * 1024,
  maxMetadataBytes: maxCallerMetadataBytes,
  minTtlSeconds: 60,
});

const namespaceMethods = ["getWithMetadata", "put", "delete", "list"] as const;

/** The `KvBackend` `kvBinding` returns (documented there). */
class KvBindingBackend implements KvBackend {
  readonly name = "workers-kv";
  readonly limits = kvBindingLimits;
  readonly sweepSupported = true;
  private readonly namespace: KvNamespaceLike;

  constructor(namespace: KvNamespaceLike) {
    this.namespace = namespace;
  }

  async get(key: string, options: { signal?: AbortSignal }): Promise<KvBackendRecord | null> {
    throwIfAborted(options.signal, "get");
    let result: { value: ArrayBuffer | null; metadata: unknown };
    try {
      result = await this.namespace.getWithMetadata(key, "arrayBuffer");
    } catch (error) {
      throw toKvStorageError(error, "get");
    }
    if (result.value === null) return null;
    const unpacked = unpackMetadata(result.metadata);
    const record: KvBackendRecord = {
      value: new Uint8Array(result.value),
      contentType: unpacked.contentType,
      metadata: unpacked.metadata,
    };
    if (unpacked.expiresAtMs !== undefined) record.expiresAt = new Date(unpacked.expiresAtMs);
    return record;
  }

  async put(key: string, value: Uint8Array, options: KvBackendPutOptions): Promise<void> {
    throwIfAborted(options.signal, "put");
    const expiresAtMs = options.expiresAt?.getTime();
    if (expiresAtMs !== undefined && Math.ceil(expiresAtMs / 1000) > maxExpirationSeconds) {
      throw new StorageError(
        "InvalidArgument",
        `expiresAt ${options.expiresAt!.toISOString()} is after ${new Date(maxExpirationSeconds * 1000).toISOString()}, ` +
          "the latest expiration Workers KV stores (a 32-bit count of seconds): pass an earlier instant, or no expiry",
      );
    }
    const metadata = packWrapper({
      contentType: options.contentType,
      ...(expiresAtMs === undefined ? {} : { expiresAtMs }),
      ...(options.metadataJson === undefined ? {} : { metadataJson: options.metadataJson }),
    });
    const putOptions: { expiration?: number; metadata: unknown } = { metadata };
    // Rounded up: Workers KV never deletes the entry before its exact instant.
    if (expiresAtMs !== undefined) putOptions.expiration = Math.ceil(expiresAtMs / 1000);
    try {
      await this.namespace.put(key, value, putOptions);
    } catch (error) {
      throw toKvStorageError(error, "put");
    }
  }

  async delete(key: string, options: { signal?: AbortSignal }): Promise<void> {
    throwIfAborted(options.signal, "delete");
    try {
      await this.namespace.delete(key);
    } catch (error) {
      throw toKvStorageError(error, "delete");
    }
  }

  async list(options: KvBackendListOptions): Promise<KvBackendListPage> {
    throwIfAborted(options.signal, "list");
    let result: Awaited<ReturnType<KvNamespaceLike["list"]>>;
    try {
      result = await this.namespace.list({
        limit: options.limit,
        ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
        ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
      });
    } catch (error) {
      throw toKvStorageError(error, "list");
    }
    const entries = result.keys.map((listed) => {
      const unpacked = unpackMetadata(listed.metadata);
      const expiresAtMs =
        unpacked.expiresAtMs ?? (typeof listed.expiration === "number" ? listed.expiration * 1000 : undefined);
      return {
        key: listed.name,
        metadata: unpacked.metadata,
        ...(expiresAtMs === undefined ? {} : { expiresAt: new Date(expiresAtMs) }),
      };
    });
    const page: KvBackendListPage = { entries };
    if (!result.list_complete && result.cursor) page.cursor = result.cursor;
    return page;
  }

  async sweepExpired(options: { prefix?: string; signal?: AbortSignal }): Promise<KvSweepResult> {
    throwIfAborted(options.signal, "sweepExpired");
    return { scanned: 0, deleted: 0 };
  }
}

/**
 * A Kv backend over a Workers KV binding:
 * `createKv(kvBinding({ namespace: env.MY_KV }))`. Checks the binding's shape
 * at once (`InvalidArgument` naming what is missing).
 *
 * - Expiry is native: a put with `expiresAt` (at the latest
 *   2038-01-19T03:14:07Z: workerd's `expiration` is a 32-bit count of seconds)
 *   sets the entry's `expiration` to the instant rounded UP to a whole second,
 *   and keeps the exact instant in milliseconds in the entry's metadata. Reads
 *   report that exact instant and the Kv filters by it with its own clock, so
 *   a value is never served after its `expiresAt`, and Workers KV deletes it
 *   at most one second later. The minimum TTL is 60 s (never rounded).
 * - The content type (at most 128 bytes as JSON), the caller's metadata and
 *   the exact expiry are packed in the binding's metadata as compact JSON,
 *   `{"t":..,"e":..,"m":..}`; the binding's 1024 bytes leave the caller 867
 *   (`kvBindingLimits.maxMetadataBytes`).
 * - An entry written by other code (no such wrapper) reads as
 *   `application/octet-stream` with its own metadata, and lists with its
 *   native expiration.
 * - `sweepExpired` has nothing to do (Workers KV deletes expired entries
 *   itself) and answers `{ scanned: 0, deleted: 0 }`.
 * - Workers KV is eventually consistent: another location may see a write up
 *   to 60 seconds later ("KV propagation"), on top of a Kv's own read cache.
 * - Binding errors become `StorageError`s: a bad expiration or metadata over
 *   the limit `InvalidArgument`, a key over 512 bytes `InvalidKey`, a value
 *   over 25 MiB `TooLarge`, 429 `RateLimited`, 5xx `Unavailable`.
 */
export function kvBinding(options: KvBindingOptions): KvBackend {
  if (options === null || typeof options !== "object") {
    throw new StorageError("InvalidArgument", "kvBinding needs { namespace }, the Workers KV binding from env");
  }
  assertKnownOptions(options, ["namespace"], "kvBinding options");
  const namespace: unknown = options.namespace;
  if (namespace === null || typeof namespace !== "object") {
    throw new StorageError(
      "InvalidArgument",
      "kvBinding needs { namespace }, the Workers KV binding from env (for example env.MY_KV, " +
        "declared under kv_namespaces in the Wrangler config)",
    );
  }
  const missing = namespaceMethods.filter(
    (method) => typeof (namespace as Record<string, unknown>)[method] !== "function",
  );
  if (missing.length > 0) {
    throw new StorageError(
      "InvalidArgument",
      `kvBinding options.namespace is not a Workers KV binding: it has no ${missing.join(", ")} ` +
        "method; pass the KVNamespace from env (an R2 bucket or a Durable Object will not do)",
    );
  }
  return new KvBindingBackend(namespace as KvNamespaceLike);
}
