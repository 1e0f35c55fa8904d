import type { KvBackend } from "./kv-backend.js";
import { utf8Bytes } from "./kv-validation.js";

/** `backend` with every key under `prefix` (for a `KvBackend` given to `createKv` with a prefix). */
export function prefixedBackend(backend: KvBackend, prefix: string): KvBackend {
  if (prefix === "") return backend;
  const limits = { ...backend.limits, maxKeyBytes: backend.limits.maxKeyBytes - utf8Bytes(prefix) };
  return {
    name: backend.name,
    limits,
    sweepSupported: backend.sweepSupported,
    get: (key, options) => backend.get(prefix + key, options),
    put: (key, value, options) => backend.put(prefix + key, value, options),
    delete: (key, options) => backend.delete(prefix + key, options),
    async list(options) {
      const page = await backend.list({ ...options, prefix: prefix + (options.prefix ?? "") });
      const entries = page.entries.map((entry) => ({ ...entry, key: entry.key.slice(prefix.length) }));
      return page.cursor === undefined ? { entries } : { entries, cursor: page.cursor };
    },
    sweepExpired: (options) => backend.sweepExpired({ ...options, prefix: prefix + (options.prefix ?? "") }),
  };
}
