import { createStorage, isStorageError, type StorageDriver } from "@stowage/core";
import { createKv, Kv, KvReadCache, storageKvBackend, type KvBackend } from "@stowage/kv";
import type { KvCreateOptions, KvFixture } from "@stowage/kv/conformance";

// Deliberately broken KV backends and layers: each KV conformance case must
// fail under at least one of them (kv-mutations.test.ts).

type BackendMutation = (backend: KvBackend, context: { driver: StorageDriver; options: KvCreateOptions }) => KvBackend;
type KvMutation = (kv: Kv, options: KvCreateOptions) => Kv;

interface Mutation {
  backend?: BackendMutation;
  kv?: KvMutation;
  /** Changes the options createKv gets. */
  options?: (options: KvCreateOptions) => KvCreateOptions;
  /** Patches the read cache for the run; returns the undo. */
  patch?: () => () => void;
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** A Kv whose methods are rerouted (private fields stay on the real Kv). */
function kvProxy(kv: Kv, overrides: Partial<Record<"put" | "get" | "getWithMetadata" | "delete" | "list" | "sweepExpired", (...args: never[]) => unknown>>): Kv {
  return new Proxy(kv, {
    get(target, property) {
      const override = (overrides as Record<PropertyKey, unknown>)[property];
      if (override !== undefined) return override;
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const swallow = <T>(promise: Promise<T>): Promise<T | undefined> =>
  promise.catch((error: unknown) => {
    if (isStorageError(error)) return undefined;
    throw error;
  });

export const mutations: Record<string, Mutation> = {
  "expiry dropped on put": { backend: (b) => ({ ...b, put: (key, value, { expiresAt: _dropped, ...rest }) => b.put(key, value, rest) }) },
  "expiry dropped on get": {
    backend: (b) => ({
      ...b,
      get: async (key, options) => {
        const record = await b.get(key, options);
        if (record !== null) delete record.expiresAt;
        return record;
      },
    }),
  },
  "expiry dropped in list": { backend: (b) => ({ ...b, list: async (options) => { const page = await b.list(options); return { ...page, entries: page.entries.map(({ expiresAt: _e, ...entry }) => entry) }; } }) },
  "metadata dropped": { backend: (b) => ({ ...b, put: (key, value, { metadataJson: _dropped, ...rest }) => b.put(key, value, rest) }) },
  "metadata dropped in list": { backend: (b) => ({ ...b, list: async (options) => { const page = await b.list(options); return { ...page, entries: page.entries.map((entry) => ({ ...entry, metadata: null })) }; } }) },
  "content type fixed": { backend: (b) => ({ ...b, put: (key, value, options) => b.put(key, value, { ...options, contentType: "application/octet-stream" }) }) },
  "list includes expired": {
    // Lists through a Storage whose clock never moves past the epoch, so nothing looks expired.
    backend: (b, { driver, options }) => {
      const raw = storageKvBackend(createStorage(driver, { clock: () => 0 }), options.prefix);
      return { ...b, list: async (listOptions) => { const page = await raw.list(listOptions); return { ...page, entries: page.entries.map(({ expiresAt: _e, ...entry }) => entry) }; } };
    },
  },
  "list ignores limit": { backend: (b) => ({ ...b, list: (options) => b.list({ ...options, limit: 1000 }) }) },
  "list drops the cursor": { backend: (b) => ({ ...b, list: async (options) => ({ entries: (await b.list(options)).entries }) }) },
  "list reversed": { backend: (b) => ({ ...b, list: async (options) => { const page = await b.list(options); return { ...page, entries: [...page.entries].reverse() }; } }) },
  "list repeats a page's last key": {
    backend: (b) => {
      let last: string | undefined;
      return {
        ...b,
        list: async (options) => {
          const page = await b.list(options);
          const entries = options.cursor !== undefined && last !== undefined ? [{ key: last, metadata: null }, ...page.entries] : page.entries;
          last = page.entries.at(-1)?.key;
          return { ...page, entries };
        },
      };
    },
  },
  "put not atomic (two halves)": {
    backend: (b) => ({
      ...b,
      put: async (key, value, options) => {
        const half = value.byteLength >> 1;
        await b.put(`${key}~1`, value.subarray(0, half), options);
        await tick();
        await b.put(`${key}~2`, value.subarray(half), options);
      },
      get: async (key, options) => {
        const first = await b.get(`${key}~1`, options);
        const second = await b.get(`${key}~2`, options);
        if (first === null || second === null) return null;
        const value = new Uint8Array(first.value.byteLength + second.value.byteLength);
        value.set(first.value);
        value.set(second.value, first.value.byteLength);
        return { ...second, value };
      },
      delete: async (key, options) => {
        await b.delete(`${key}~1`, options);
        await b.delete(`${key}~2`, options);
      },
    }),
  },
  "sweep deletes unconditionally": {
    backend: (b, { driver, options }) => {
      const raw = createStorage(driver, { clock: () => 0 });
      return {
        ...b,
        sweepExpired: async ({ prefix = "" }) => {
          const page = await raw.list({ prefix: options.prefix + prefix });
          const expired = page.objects.filter((object) => (object as { expiresAt?: Date }).expiresAt !== undefined && (object as { expiresAt: Date }).expiresAt.getTime() <= options.clock());
          await tick(20);
          for (const object of expired) await raw.delete(object.key);
          return { scanned: page.objects.length, deleted: expired.length };
        },
      };
    },
  },
  "sweep deletes live values": {
    backend: (b, { driver, options }) => {
      const raw = createStorage(driver);
      return {
        ...b,
        sweepExpired: async ({ prefix = "" }) => {
          const result = await b.sweepExpired({ prefix });
          const page = await raw.list({ prefix: options.prefix + prefix });
          for (const object of page.objects) await raw.delete(object.key);
          return { ...result, deleted: result.deleted + page.objects.length };
        },
      };
    },
  },
  "sweep counts scanned as deleted": { backend: (b) => ({ ...b, sweepExpired: async (options) => { const result = await b.sweepExpired(options); return { ...result, deleted: result.scanned }; } }) },
  "sweep does nothing": { backend: (b) => ({ ...b, sweepExpired: async () => ({ scanned: 0, deleted: 0 }) }) },
  "sweep claims support but refuses": { backend: (b) => ({ ...b, sweepSupported: false }) },
  "value stored as text": {
    backend: (b) => ({ ...b, put: (key, value, options) => b.put(key, new TextEncoder().encode(new TextDecoder().decode(value)), options) }),
  },
  "delete does nothing": { backend: (b) => ({ ...b, delete: async () => {} }) },
  "cache on when asked off": { options: (options) => ({ ...options, cacheTtlSeconds: Math.max(options.cacheTtlSeconds, 60) }) },
  "sweep refusal swallowed": {
    backend: (b) => ({ ...b, sweepSupported: false }),
    kv: (kv) => kvProxy(kv, { sweepExpired: (() => kv.sweepExpired().catch(() => ({ scanned: 0, deleted: 0 }))) as never }),
  },
  "refusals swallowed": {
    kv: (kv) =>
      kvProxy(kv, {
        put: ((key: string, value: never, options: never) => swallow(kv.put(key, value, options))) as never,
        get: ((key: string) => swallow(kv.get(key)).then((value) => value ?? null)) as never,
        delete: ((key: string) => swallow(kv.delete(key))) as never,
        list: ((options: never) => swallow(kv.list(options)).then((page) => page ?? { keys: [] })) as never,
      }),
  },
  "writes before validating": {
    kv: (kv) =>
      kvProxy(kv, {
        put: (async (key: string, value: never, options: never) => {
          if (typeof key === "string" && key !== "" && key.length < 100) await kv.put(key, "written by a put that was then refused");
          return kv.put(key, value, options);
        }) as never,
      }),
  },
  "cache never invalidates": {
    patch: () => {
      const original = KvReadCache.prototype.invalidate;
      KvReadCache.prototype.invalidate = function () {};
      return () => void (KvReadCache.prototype.invalidate = original);
    },
  },
  "cache never stores": {
    patch: () => {
      const original = KvReadCache.prototype.finish;
      KvReadCache.prototype.finish = function (ticket) {
        original.call(this, ticket, undefined);
      };
      return () => void (KvReadCache.prototype.finish = original);
    },
  },
  "cache ignores cacheTtlSeconds": { options: (options) => ({ ...options, cacheTtlSeconds: options.cacheTtlSeconds * 1000 }) },
};

/** A fixture over a fresh memory driver, broken by `mutation`. */
export function brokenFixture(driver: StorageDriver, mutation: Mutation): KvFixture {
  return {
    create: (given) => {
      const options = mutation.options?.(given) ?? given;
      const storage = createStorage(driver, { clock: options.clock });
      const honest = storageKvBackend(storage, options.prefix);
      const backend = mutation.backend?.(honest, { driver, options }) ?? honest;
      const kv = createKv(backend, {
        clock: options.clock,
        cacheTtlSeconds: options.cacheTtlSeconds,
        ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
      });
      return mutation.kv?.(kv, options) ?? kv;
    },
  };
}
