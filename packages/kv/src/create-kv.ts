import type { Storage } from "@stowage/core";
import type { KvBackend } from "./kv-backend.js";
import { kvError } from "./kv-errors.js";
import { Kv } from "./kv.js";
import { validateCount, validateTtl } from "./kv-validation.js";
import { prefixedBackend } from "./prefixed-backend.js";
import { storageKvBackend } from "./storage-kv-backend.js";

/** Options of `createKv`. */
export interface CreateKvOptions {
  /** Every key lives under this prefix (over a Storage: an object key prefix such as "kv/settings/"). */
  prefix?: string;
  /** The TTL of every put that names none (whole seconds). Default: values never expire. */
  ttlSeconds?: number;
  /**
   * Serve reads from memory for this many seconds (0, the default, turns the
   * cache off). Another process's write shows here after at most this long.
   */
  cacheTtlSeconds?: number;
  /** The most cached entries (default 1000). */
  cacheMaxEntries?: number;
  /** The most cached bytes (default 8 MiB). */
  cacheMaxBytes?: number;
  /** Milliseconds since the epoch, for expiry and the cache (default `Date.now`). */
  clock?: () => number;
}

const knownOptions = new Set(["prefix", "ttlSeconds", "cacheTtlSeconds", "cacheMaxEntries", "cacheMaxBytes", "clock"]);

/**
 * A `Kv` over a `Storage` (values are objects under `prefix`) or any
 * `KvBackend`, such as `kvBinding({ namespace: env.CONFIG })`.
 */
export function createKv(backend: Storage | KvBackend, options: CreateKvOptions = {}): Kv {
  for (const name of Object.keys(options)) {
    if (!knownOptions.has(name)) throw kvError("InvalidArgument", `createKv has no option ${JSON.stringify(name)} (known: ${[...knownOptions].join(", ")})`, "create");
  }
  const prefix = options.prefix ?? "";
  if (typeof prefix !== "string") throw kvError("InvalidArgument", "createKv option prefix must be a string", "create");
  if (options.clock !== undefined && typeof options.clock !== "function") throw kvError("InvalidArgument", "createKv option clock must be a function returning epoch milliseconds", "create");
  const resolved = isKvBackend(backend) ? prefixedBackend(backend, prefix) : storageKvBackend(backend, prefix);
  const ttlSeconds = options.ttlSeconds === undefined ? undefined : validateTtl(options.ttlSeconds, resolved.limits, "createKv option ttlSeconds", "create");
  return new Kv(resolved, {
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
    cacheTtlSeconds: validateCount(options.cacheTtlSeconds, "cacheTtlSeconds", 0),
    cacheMaxEntries: validateCount(options.cacheMaxEntries, "cacheMaxEntries", 1000),
    cacheMaxBytes: validateCount(options.cacheMaxBytes, "cacheMaxBytes", 8 * 1024 * 1024),
    clock: options.clock ?? Date.now,
  });
}

function isKvBackend(backend: Storage | KvBackend): backend is KvBackend {
  const candidate = backend as Partial<KvBackend>;
  return typeof candidate.limits === "object" && candidate.limits !== null && typeof candidate.sweepSupported === "boolean";
}
