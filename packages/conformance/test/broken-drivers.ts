import {
  StorageError,
  compareUtf8,
  readAll,
  utf8Length,
  type DriverGetResult,
  type DriverListOptions,
  type DriverPutBody,
  type DriverPutOptions,
  type DriverSignGetOptions,
  type DriverSignPutOptions,
  type ListPage,
  type ObjectInfo,
  type StorageDriver,
} from "@stowage/core";
import { memoryDriver, type MemoryDriver, type MemoryStore } from "@stowage/memory";
import { createStorage } from "@stowage/core";
import { createSignedUrlHandler } from "@stowage/http";
import type { DriverFixture } from "@stowage/conformance";
import { brokenUploadDrivers } from "./broken-upload-drivers.ts";

// Deliberately broken drivers: the memory driver with one realistic bug
// each. The mutation test checks that every conformance case fails under at
// least one of them, so no case passes vacuously.

/**
 * Replaced methods. `copy` and `move` default to the memory driver's; a
 * mutation that sets `move: undefined` takes the rename away, so
 * `Storage.move` copies and then deletes (and a broken copy or delete shows
 * in the move cases too).
 */
type Methods = Partial<Pick<StorageDriver, "put" | "get" | "head" | "list" | "delete" | "copy" | "move">>;

interface Inner {
  /** The memory driver itself: its head and delete take their options as optional. */
  driver: MemoryDriver;
  store: MemoryStore;
}

function broken(build: (inner: Inner) => Methods, fixtureExtra: Partial<DriverFixture> = {}): () => DriverFixture {
  return () => {
    const driver = memoryDriver();
    const inner: Inner = { driver, store: driver.raw };
    const methods = build(inner);
    const wrapped: StorageDriver = {
      name: "broken-memory",
      capabilities: driver.capabilities,
      put: methods.put ?? ((key, body, options) => driver.put(key, body, options)),
      get: methods.get ?? ((key, options) => driver.get(key, options)),
      head: methods.head ?? ((key, options) => driver.head(key, options)),
      list: methods.list ?? ((options) => driver.list(options)),
      delete: methods.delete ?? ((keys, options) => driver.delete(keys, options)),
      copy: methods.copy ?? ((from, to, options) => driver.copy(from, to, options)),
      signPut: (key, options) => driver.signPut(key, options),
      signGet: (key, options) => driver.signGet(key, options),
    };
    if (!("move" in methods)) wrapped.move = (from, to, options) => driver.move(from, to, options);
    else if (methods.move !== undefined) wrapped.move = methods.move;
    return { driver: wrapped, ...fixtureExtra };
  };
}

/** A memory driver that signs URLs (nothing serves them: the cases that use it only mint). */
export function signingMemoryDriver(): MemoryDriver {
  return memoryDriver({
    signing: { secrets: [{ id: "mutations", secret: "mutation-test-secret-0123456789abcdef" }], baseUrl: "http://127.0.0.1:9/__storage" },
  });
}

const servedSecrets = [{ id: "mutations", secret: "mutation-test-secret-0123456789abcdef" }];

/**
 * A memory driver that signs URLs, served in process by @stowage/http's
 * handler (the fixture's fetch calls the handler; no socket). `handlerDriver`
 * changes the driver the handler writes through.
 */
/** The served signing memory driver, its signGet options overridden by `override`. */
function signGetWith(override: Partial<DriverSignGetOptions>): DriverFixture {
  const fixture = servedSigningMemory();
  const driver = fixture.driver as MemoryDriver;
  const wrapped = Object.create(driver) as StorageDriver;
  Object.defineProperty(wrapped, "signGet", {
    value: (key: string, options: DriverSignGetOptions) => driver.signGet(key, { ...options, ...override }),
  });
  return { ...fixture, driver: wrapped };
}

export function servedSigningMemory(handlerDriver: (driver: MemoryDriver) => StorageDriver = (driver) => driver): DriverFixture {
  const driver = memoryDriver({ signing: { secrets: servedSecrets, baseUrl: "http://127.0.0.1:9/__storage" } });
  const handler = createSignedUrlHandler(createStorage(handlerDriver(driver)), { secrets: servedSecrets, basePath: "/__storage" });
  return { driver, fetch: (request) => handler(request) };
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 2));

async function bodyBytes(body: DriverPutBody): Promise<Uint8Array> {
  return body instanceof Uint8Array ? body : readAll(body);
}

function withoutKeys<T extends object>(value: T, ...names: (keyof T)[]): T {
  const copy = { ...value };
  for (const name of names) delete copy[name];
  return copy;
}

/** Maps every key through `map` on the way in, and reports the mapped key back (as a buggy driver would). */
function mapKeys(map: (key: string) => string): (inner: Inner) => Methods {
  return ({ driver }) => ({
    put: (key, body, options) => driver.put(map(key), body, options),
    get: (key, options) => driver.get(map(key), options),
    head: (key, options) => driver.head(map(key), options),
    delete: (keys, options) => driver.delete(keys.map(map), options),
  });
}

interface ListFlavor {
  compare?: (a: string, b: string) => number;
  cursor?: "resume" | "forget" | "offset" | "resume-inside-prefix";
  alwaysCursor?: boolean;
  ignoreLimit?: boolean;
  ignorePrefix?: boolean;
  delimiter?: "honour" | "ignore" | "keep-objects" | "from-key-start";
  hide?: (key: string) => boolean;
  sizeZero?: boolean;
  startAfter?: "honour" | "ignore" | "inclusive" | "keep-enclosing-prefix";
}

/** A list written from scratch over the memory driver's full listing, with the chosen bugs. */
function naiveList(flavor: ListFlavor): (inner: Inner) => Methods {
  const compare = flavor.compare ?? compareUtf8;
  return ({ driver }) => ({
    async list(options: DriverListOptions): Promise<ListPage> {
      const prefix = flavor.ignorePrefix ? "" : options.prefix;
      let objects: ObjectInfo[] = [];
      let cursor: string | undefined;
      do {
        const page = await driver.list({ prefix, limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
        objects.push(...page.objects);
        cursor = page.cursor;
      } while (cursor !== undefined);
      if (flavor.hide) objects = objects.filter((object) => !flavor.hide!(object.key));
      if (flavor.sizeZero) objects = objects.map((object) => ({ ...object, size: 0 }));
      objects.sort((a, b) => compare(a.key, b.key));
      const state = options.cursor === undefined ? undefined : (JSON.parse(options.cursor) as { after: string; offset: number });
      if (state !== undefined && flavor.cursor === "resume-inside-prefix") {
        objects = objects.filter((object) => compare(object.key, state.after) > 0);
      }
      const mode = flavor.delimiter ?? "honour";
      const entries: { name: string; object?: ObjectInfo }[] = [];
      const seenPrefixes = new Set<string>();
      for (const object of objects) {
        const delimiter = mode === "ignore" ? undefined : options.delimiter;
        const from = mode === "from-key-start" ? 0 : options.prefix.length;
        const cut = delimiter === undefined ? -1 : object.key.indexOf(delimiter, from);
        if (cut >= 0) {
          const common = object.key.slice(0, cut + delimiter!.length);
          if (!seenPrefixes.has(common)) {
            seenPrefixes.add(common);
            entries.push({ name: common });
          }
          if (mode === "keep-objects") entries.push({ name: object.key, object });
        } else {
          entries.push({ name: object.key, object });
        }
      }
      const startAfter = options.startAfter;
      const startMode = flavor.startAfter ?? "honour";
      if (startAfter !== undefined && startMode !== "ignore") {
        const kept = entries.filter((entry) => {
          const order = compare(entry.name, startAfter);
          if (startMode === "inclusive") return order >= 0;
          if (startMode === "keep-enclosing-prefix" && entry.object === undefined && startAfter.startsWith(entry.name)) return true;
          return order > 0;
        });
        entries.splice(0, entries.length, ...kept);
      }
      let start = 0;
      if (state !== undefined) {
        if (flavor.cursor === "offset") start = state.offset;
        else if (flavor.cursor === "forget") start = 0;
        else if (flavor.cursor === "resume-inside-prefix") start = 0;
        else {
          start = entries.findIndex((entry) => compare(entry.name, state.after) > 0);
          if (start < 0) start = entries.length;
        }
      }
      const end = flavor.ignoreLimit ? entries.length : start + options.limit;
      const slice = entries.slice(start, end);
      const page: ListPage = {
        objects: slice.flatMap((entry) => (entry.object ? [entry.object] : [])),
        prefixes: slice.flatMap((entry) => (entry.object ? [] : [entry.name])),
      };
      if ((end < entries.length || flavor.alwaysCursor) && slice.length > 0) {
        page.cursor = JSON.stringify({ after: slice[slice.length - 1]!.name, offset: end });
      }
      return page;
    },
  });
}

function missingInfo(key: string): ObjectInfo {
  return { key, size: 0, etag: "missing", lastModified: new Date(), contentType: "application/octet-stream", metadata: {} };
}

/** Each mutation: a short description and a fixture factory. */
export const brokenDrivers: Record<string, () => DriverFixture> = {
  // Conditional writes.
  "ignores ifNotExists": broken(({ driver }) => ({
    put: (key, body, options) => driver.put(key, body, withoutKeys(options, "ifNotExists")),
  })),
  "checks ifNotExists, then writes (not atomic)": broken(({ driver }) => ({
    async put(key, body, options) {
      if (options.ifNotExists) {
        if ((await driver.head(key)) !== null) throw new StorageError("AlreadyExists", "exists");
        await tick();
      }
      return driver.put(key, body, withoutKeys(options, "ifNotExists"));
    },
  })),
  "remembers deleted keys for ifNotExists": broken(({ driver }) => {
    const ever = new Set<string>();
    return {
      async put(key, body, options) {
        if (options.ifNotExists && ever.has(key)) throw new StorageError("AlreadyExists", "existed once");
        const info = await driver.put(key, body, options);
        ever.add(key);
        return info;
      },
    };
  }),
  "ignores put ifMatch": broken(({ driver }) => ({
    put: (key, body, options) => driver.put(key, body, withoutKeys(options, "ifMatch")),
  })),
  "checks put ifMatch, then writes (not atomic)": broken(({ driver }) => ({
    async put(key, body, options) {
      if (options.ifMatch !== undefined) {
        const bytes = await bodyBytes(body);
        const current = await driver.head(key);
        if (current === null || current.etag !== options.ifMatch) throw new StorageError("PreconditionFailed", "stale");
        await tick();
        return driver.put(key, bytes, withoutKeys(options, "ifMatch"));
      }
      return driver.put(key, body, options);
    },
  })),
  "keeps the first etag on overwrite": broken(({ driver }) => {
    const first = new Map<string, string>();
    const fix = <T extends ObjectInfo>(info: T): T => {
      if (!first.has(info.key)) first.set(info.key, info.etag);
      return { ...info, etag: first.get(info.key)! };
    };
    return {
      put: async (key, body, options) => fix(await driver.put(key, body, options)),
      get: async (key, options) => {
        const result = await driver.get(key, options);
        return result === null ? null : { ...result, info: fix(result.info) };
      },
      head: async (key) => {
        const info = await driver.head(key);
        return info === null ? null : fix(info);
      },
    };
  }),
  "returns a quoted etag": broken(({ driver }) => ({
    put: async (key, body, options) => {
      const info = await driver.put(key, body, options);
      return { ...info, etag: `"${info.etag}"` };
    },
  })),

  // Bodies.
  "drops the last byte of every body": broken(({ driver }) => ({
    put: async (key, body, options) => {
      const bytes = await bodyBytes(body);
      return driver.put(key, bytes.subarray(0, Math.max(0, bytes.byteLength - 1)), options);
    },
  })),
  "stores bodies as UTF-8 text": broken(({ driver }) => ({
    put: async (key, body, options) => {
      const bytes = new TextEncoder().encode(new TextDecoder().decode(await bodyBytes(body)));
      return driver.put(key, bytes, options);
    },
  })),
  "stores a view's whole backing buffer": broken(({ driver }) => ({
    put: async (key, body, options) => {
      const bytes = body instanceof Uint8Array ? new Uint8Array(body.buffer) : await readAll(body);
      return driver.put(key, bytes, options);
    },
  })),
  "refuses empty bodies": broken(({ driver }) => ({
    put: async (key, body, options) => {
      const bytes = await bodyBytes(body);
      if (bytes.byteLength === 0) throw new StorageError("InvalidArgument", "empty body");
      return driver.put(key, bytes, options);
    },
  })),
  "checks size off by one": broken(({ driver }) => ({
    put: async (key, body, options) => {
      const bytes = await bodyBytes(body);
      if (options.size !== undefined && bytes.byteLength >= options.size) throw new StorageError("InvalidArgument", "too big");
      return driver.put(key, bytes, options);
    },
  })),
  "refuses every sha256": broken(({ driver }) => ({
    put: async (key, body, options) => {
      if (options.sha256 !== undefined) throw new StorageError("ChecksumMismatch", "compared base64 with hex");
      return driver.put(key, body, options);
    },
  })),
  "keeps the caller's array (no copy on put)": broken(({ driver, store }) => ({
    put: async (key, body, options) => {
      const info = await driver.put(key, body, options);
      if (body instanceof Uint8Array) store.entries.get(key)!.bytes = body;
      return info;
    },
  })),
  "keeps the caller's stream chunk (no copy of a one-chunk stream)": broken(({ driver, store }) => ({
    put: async (key, body, options) => {
      if (body instanceof Uint8Array) return driver.put(key, body, options);
      const chunks: Uint8Array[] = [];
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
      }
      const info = await driver.put(key, new Uint8Array(0), options);
      const only = chunks.length === 1 ? chunks[0]! : new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
      if (chunks.length > 1) {
        let offset = 0;
        for (const chunk of chunks) {
          only.set(chunk, offset);
          offset += chunk.byteLength;
        }
      }
      store.entries.get(key)!.bytes = only;
      store.entries.get(key)!.info.size = only.byteLength;
      return { ...info, size: only.byteLength };
    },
  })),
  "returns the stored array (no copy on get)": broken(({ driver, store }) => ({
    get: async (key, options) => {
      const result = await driver.get(key, options);
      if (result !== null && options.range === undefined) return { ...result, body: store.entries.get(key)!.bytes };
      return result;
    },
  })),
  "commits the body before the stream ends": broken(({ driver }) => ({
    put: async (key, body, options) => {
      if (body instanceof Uint8Array) return driver.put(key, body, options);
      const plain = withoutKeys(options, "ifNotExists", "ifMatch", "size", "sha256", "signal");
      const reader = body.getReader();
      const parts: Uint8Array[] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        const soFar = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
        let offset = 0;
        for (const part of parts) {
          soFar.set(part, offset);
          offset += part.byteLength;
        }
        await driver.put(key, soFar, plain);
      }
      return (await driver.head(key)) ?? driver.put(key, new Uint8Array(0), plain);
    },
  })),
  "truncates the object before reading the body": broken(({ driver }) => ({
    put: async (key, body, options) => {
      if (body instanceof Uint8Array) return driver.put(key, body, options);
      await driver.put(key, new Uint8Array(0), withoutKeys(options, "ifNotExists", "ifMatch", "size", "sha256", "signal"));
      return driver.put(key, await readAll(body), withoutKeys(options, "ifNotExists", "ifMatch"));
    },
  })),
  "reports a leftover temporary file": broken(() => ({}), { leftovers: async () => ["conformance/.upload-1234.tmp"] }),

  // Metadata and headers.
  "drops metadata and content-* headers": broken(({ driver }) => ({
    put: (key, body, options) =>
      driver.put(key, body, { ...withoutKeys(options, "cacheControl", "contentDisposition", "contentEncoding"), metadata: {} }),
  })),
  "defaults the content type to binary/octet-stream": broken(({ driver }) => ({
    put: (key, body, options) =>
      driver.put(key, body, {
        ...options,
        contentType: options.contentType === "application/octet-stream" ? "binary/octet-stream" : options.contentType,
      }),
  })),
  "merges metadata and headers on overwrite": broken(({ driver }) => ({
    put: async (key, body, options) => {
      const old = await driver.head(key);
      const merged: DriverPutOptions = { ...options, metadata: { ...old?.metadata, ...options.metadata } };
      if (old !== null && options.contentType === "application/octet-stream") merged.contentType = old.contentType;
      for (const name of ["cacheControl", "contentDisposition", "contentEncoding"] as const) {
        if (merged[name] === undefined && old?.[name] !== undefined) merged[name] = old[name];
      }
      return driver.put(key, body, merged);
    },
  })),
  "caches head results": broken(({ driver }) => {
    const cache = new Map<string, ObjectInfo>();
    return {
      head: async (key) => {
        const cached = cache.get(key);
        if (cached !== undefined) return cached;
        const info = await driver.head(key);
        if (info !== null) cache.set(key, info);
        return info;
      },
    };
  }),
  "head drops metadata and cacheControl": broken(({ driver }) => ({
    head: async (key) => {
      const info = await driver.head(key);
      return info === null ? null : { ...withoutKeys(info, "cacheControl"), metadata: {} };
    },
  })),

  // Reads.
  "returns a missing key as an empty object": broken(({ driver }) => ({
    get: async (key, options) => (await driver.get(key, options)) ?? { info: missingInfo(key), body: new Uint8Array(0) },
    head: async (key) => (await driver.head(key)) ?? missingInfo(key),
  })),
  "ignores ranges": broken(({ driver }) => ({
    get: (key, options) => driver.get(key, withoutKeys(options, "range")),
  })),
  "reports the requested length, not the clamped one": broken(({ driver }) => ({
    get: async (key, options) => {
      const result = await driver.get(key, options);
      const range = options.range;
      if (result?.range && range && "offset" in range && range.length !== undefined) {
        return { ...result, range: { offset: range.offset, length: range.length } };
      }
      return result;
    },
  })),
  "returns an empty body for an unsatisfiable range": broken(({ driver }) => ({
    get: async (key, options) => {
      try {
        return await driver.get(key, options);
      } catch (error) {
        if (!(error instanceof StorageError) || error.code !== "RangeNotSatisfiable") throw error;
        const info = (await driver.head(key))!;
        return { info, body: new Uint8Array(0), range: { offset: info.size, length: 0 } };
      }
    },
  })),
  "refuses a suffix longer than the object": broken(({ driver }) => ({
    get: async (key, options) => {
      const range = options.range;
      const info = await driver.head(key);
      if (info !== null && range && "suffix" in range && range.suffix > info.size) {
        throw new StorageError("RangeNotSatisfiable", "suffix too long");
      }
      return driver.get(key, options);
    },
  })),
  "reports the range's length as the object's size": broken(({ driver }) => ({
    get: async (key, options) => {
      const result = await driver.get(key, options);
      if (result?.range) return { ...result, info: { ...result.info, size: result.range.length } };
      return result;
    },
  })),
  "checks ranges before existence": broken(({ driver }) => ({
    get: async (key, options) => {
      if (options.range !== undefined && (await driver.head(key)) === null) {
        throw new StorageError("RangeNotSatisfiable", "nothing to range over");
      }
      return driver.get(key, options);
    },
  })),
  "checks get conditions before existence": broken(({ driver }) => ({
    get: async (key, options) => {
      if ((await driver.head(key)) === null) {
        if (options.ifMatch !== undefined) throw new StorageError("PreconditionFailed", "no etag");
        if (options.ifNoneMatch !== undefined) throw new StorageError("PreconditionFailed", "no etag");
      }
      return driver.get(key, options);
    },
  })),
  "ignores get conditions": broken(({ driver }) => ({
    get: (key, options) => driver.get(key, withoutKeys(options, "ifMatch", "ifNoneMatch")),
  })),
  "compares get conditions against quoted etags": broken(({ driver }) => ({
    get: async (key, options): Promise<DriverGetResult | null> => {
      const info = await driver.head(key);
      if (info === null) return null;
      const quoted = `"${info.etag}"`;
      if (options.ifMatch !== undefined && options.ifMatch !== quoted) throw new StorageError("PreconditionFailed", "mismatch");
      if (options.ifNoneMatch !== undefined && options.ifNoneMatch === quoted) throw new StorageError("NotModified", "same");
      return driver.get(key, withoutKeys(options, "ifMatch", "ifNoneMatch"));
    },
  })),
  "compares get conditions by prefix (Ceph RGW 16)": broken(({ driver }) => ({
    get: async (key, options) => {
      const info = await driver.head(key);
      if (info === null) return null;
      const matches = (etag: string) => etag.startsWith(info.etag) || info.etag.startsWith(etag);
      if (options.ifMatch !== undefined && !matches(options.ifMatch)) throw new StorageError("PreconditionFailed", "no prefix match");
      if (options.ifNoneMatch !== undefined && matches(options.ifNoneMatch)) throw new StorageError("NotModified", "prefix match");
      return driver.get(key, withoutKeys(options, "ifMatch", "ifNoneMatch"));
    },
  })),
  "takes an empty object's whole answer to a ranged read as the range (the server ignored Range)": broken(({ driver }) => ({
    get: async (key, options) => {
      if (options.range !== undefined && (await driver.head(key))?.size === 0) return driver.get(key, withoutKeys(options, "range"));
      return driver.get(key, options);
    },
  })),
  "answers NotModified to any ifNoneMatch": broken(({ driver }) => ({
    get: async (key, options) => {
      if (options.ifNoneMatch !== undefined && (await driver.head(key)) !== null) throw new StorageError("NotModified", "cached");
      return driver.get(key, options);
    },
  })),

  // Keys.
  "normalizes keys to NFC": broken(mapKeys((key) => key.normalize("NFC"))),
  "treats backslash as a path separator": broken(mapKeys((key) => key.replaceAll("\\", "/"))),
  "decodes percent-escapes in keys": broken(
    mapKeys((key) => {
      try {
        return decodeURIComponent(key);
      } catch {
        return key;
      }
    }),
  ),
  "refuses keys over 1000 bytes": broken(({ driver }) => ({
    put: async (key, body, options) => {
      if (utf8Length(key) > 1000) throw new StorageError("InvalidKey", "too long for this backend");
      return driver.put(key, body, options);
    },
  })),
  "cannot hold a key and its directory (file system)": broken(({ driver }) => ({
    put: async (key, body, options) => {
      const page = await driver.list({ prefix: "", limit: 1000 });
      const clashes = page.objects
        .map((object) => object.key)
        .filter((other) => other !== key && (key.startsWith(`${other}/`) || other.startsWith(`${key}/`)));
      await driver.delete(clashes);
      return driver.put(key, body, options);
    },
  })),
  "hides dot-files from listings": naiveListDriver({ hide: (key) => key.split("/").some((segment) => segment.startsWith(".")) }),

  // Listing.
  "sorts by UTF-16 code units (JavaScript's default)": naiveListDriver({ compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0) }),
  "lists a directory before its siblings (file-system walk order)": naiveListDriver({
    compare: (a, b) => compareUtf8(a.replaceAll("/", "\u0000"), b.replaceAll("/", "\u0000")),
  }),
  "forgets the cursor": naiveListDriver({ cursor: "forget" }),
  "uses a numeric offset as the cursor": naiveListDriver({ cursor: "offset" }),
  "resumes inside a common prefix": naiveListDriver({ cursor: "resume-inside-prefix" }),
  "always returns a cursor": naiveListDriver({ alwaysCursor: true }),
  "ignores the limit": naiveListDriver({ ignoreLimit: true }),
  "ignores the list prefix": naiveListDriver({ ignorePrefix: true }),
  "ignores the delimiter": naiveListDriver({ delimiter: "ignore" }),
  "keeps rolled-up objects": naiveListDriver({ delimiter: "keep-objects" }),
  "looks for the delimiter from the key's start": naiveListDriver({ delimiter: "from-key-start" }),
  "lists sizes as 0": naiveListDriver({ sizeZero: true }),
  "drops keys XML 1.0 cannot carry (U+FFFE, U+FFFF) from listings": naiveListDriver({ hide: (key) => /[\ufffe\uffff]/.test(key) }),
  "list ignores startAfter": naiveListDriver({ startAfter: "ignore" }),
  "lists keys equal to startAfter (>= instead of >)": naiveListDriver({ startAfter: "inclusive" }),
  "lists the common prefix that holds startAfter (OpenStack Swift's s3api)": naiveListDriver({ startAfter: "keep-enclosing-prefix" }),
  "fails a listing page that holds U+FFFF (an XML listing without URL encoding)": broken(({ driver }) => ({
    list: async (options) => {
      const page = await driver.list(options);
      const bad = page.objects.find((object) => object.key.includes("\uffff"));
      if (bad !== undefined) throw new StorageError("Unknown", "InternalError (HTTP 500): the listing is not valid XML 1.0");
      return page;
    },
  })),

  // Deletes.
  "fails to delete a missing key": broken(({ driver }) => ({
    delete: async (keys) => {
      for (const key of keys) if ((await driver.head(key)) === null) throw new StorageError("NotFound", `${key} is missing`);
      await driver.delete(keys);
    },
  })),
  "deletes only the first key of an array": broken(({ driver }) => ({
    delete: (keys) => driver.delete(keys.slice(0, 1)),
  })),
  "deletes everything under the key (rm -r)": broken(({ driver }) => ({
    delete: async (keys) => {
      const page = await driver.list({ prefix: "", limit: 1000 });
      await driver.delete(page.objects.map((object) => object.key).filter((other) => keys.some((key) => other.startsWith(key))));
    },
  })),

  // Copies.
  "copy drops metadata and content-* fields": broken(({ driver }) => ({
    copy: (from, to, options) =>
      driver.copy(from, to, { ...options, replace: options.replace ?? { contentType: "application/octet-stream", metadata: {} } }),
    move: undefined,
  })),
  "overwrites bodies of the same size in place (a store whose copies share bytes)": broken(({ driver, store }) => ({
    put: async (key, body, options) => {
      const bytes = (await bodyBytes(body)).slice();
      const old = store.entries.get(key);
      const info = await driver.put(key, bytes, options);
      if (old !== undefined && old.bytes.byteLength === bytes.byteLength) {
        old.bytes.set(bytes);
        store.entries.get(key)!.bytes = old.bytes;
      }
      return info;
    },
  })),
  "copy ignores replace": broken(({ driver }) => ({
    copy: (from, to, options) => driver.copy(from, to, withoutKeys(options, "replace")),
  })),
  "copy merges replaced metadata into the source's": broken(({ driver }) => ({
    copy: async (from, to, options) => {
      const source = await driver.head(from);
      if (options.replace === undefined || source === null) return driver.copy(from, to, options);
      return driver.copy(from, to, { ...options, replace: { ...options.replace, metadata: { ...source.metadata, ...options.replace.metadata } } });
    },
  })),
  "copy onto the same key truncates it before reading (file system O_TRUNC)": broken(({ driver }) => ({
    copy: async (from, to, options) => {
      const info = await driver.copy(from, to, options);
      // The target was opened for writing (and emptied) before the source, the same file, was read.
      if (from === to && options.replace !== undefined) return driver.put(to, new Uint8Array(0), options.replace);
      return info;
    },
  })),
  "copy ignores ifNotExists": broken(({ driver }) => ({
    copy: (from, to, options) => driver.copy(from, to, withoutKeys(options, "ifNotExists")),
    move: undefined,
  })),
  "copy checks ifNotExists, then writes (not atomic)": broken(({ driver }) => ({
    copy: async (from, to, options) => {
      if (options.ifNotExists) {
        if ((await driver.head(to)) !== null) throw new StorageError("AlreadyExists", "exists");
        await tick();
      }
      return driver.copy(from, to, withoutKeys(options, "ifNotExists"));
    },
  })),
  "copy ignores ifMatch": broken(({ driver }) => ({
    copy: (from, to, options) => driver.copy(from, to, withoutKeys(options, "ifMatch")),
  })),
  "copy of a missing source creates an empty target": broken(({ driver }) => ({
    copy: async (from, to, options) => {
      if ((await driver.head(from)) === null) return driver.put(to, new Uint8Array(0), { contentType: "application/octet-stream", metadata: {} });
      return driver.copy(from, to, options);
    },
  })),
  "copies only the first 16 MiB of a large object": broken(({ driver }) => ({
    copy: async (from, to, options) => {
      const info = await driver.copy(from, to, options);
      const part = 16 * 1024 * 1024;
      if (info.size <= part) return info;
      const result = (await driver.get(to, {}))!;
      const { key: _key, size: _size, etag: _etag, lastModified: _lastModified, ...fields } = info;
      return driver.put(to, (result.body as Uint8Array).subarray(0, part), fields);
    },
  })),

  // Conditional deletes.
  "delete ignores ifMatch": broken(({ driver }) => ({
    delete: (keys, options) => driver.delete(keys, withoutKeys(options, "ifMatch")),
    move: undefined,
  })),
  "delete with ifMatch succeeds on a missing key (S3's DeleteObject answers 204)": broken(({ driver }) => ({
    delete: async (keys, options) => {
      if (options.ifMatch !== undefined && keys.length === 1 && (await driver.head(keys[0]!)) === null) return;
      return driver.delete(keys, options);
    },
  })),

  // Moves.
  "move copies, then deletes the source unconditionally (not atomic)": broken(({ driver }) => ({
    move: async (from, to, options) => {
      const info = await driver.copy(from, to, options);
      await tick();
      await driver.delete([from]);
      return info;
    },
  })),
  "move leaves the source in place": broken(({ driver }) => ({
    move: (from, to, options) => driver.copy(from, to, options),
  })),
  "move ignores ifNotExists": broken(({ driver }) => ({
    move: (from, to, options) => driver.move(from, to, withoutKeys(options, "ifNotExists")),
  })),

  // Signed uploads, served in process.
  "stores binary/octet-stream for a signed upload sent without a Content-Type (S3's default)": () =>
    servedSigningMemory((driver) => {
      const wrapped = Object.create(driver) as StorageDriver;
      Object.defineProperty(wrapped, "put", {
        value: (key: string, body: DriverPutBody, options: DriverPutOptions) =>
          driver.put(key, body, {
            ...options,
            contentType: options.contentType === "application/octet-stream" ? "binary/octet-stream" : options.contentType,
          }),
      });
      return wrapped;
    }),

  "signs every GET inline": () => signGetWith({ inline: true }),
  "drops inline from signed GETs": () => signGetWith({ inline: undefined }),

  // signPut combinations.
  "refuses maxSize with oneTime at call time (an undeclared conflict)": () => {
    const driver = signingMemoryDriver();
    const wrapped = Object.create(driver) as StorageDriver;
    Object.defineProperty(wrapped, "signPut", {
      value: (key: string, options: DriverSignPutOptions) =>
        options.maxSize !== undefined && options.oneTime
          ? Promise.reject(new StorageError("Unsupported", "maxSize cannot be combined with oneTime"))
          : driver.signPut(key, options),
    });
    return { driver: wrapped };
  },

  // Capabilities.
  "omits a capability flag": () => {
    const driver = memoryDriver();
    const capabilities = { ...driver.capabilities } as Record<string, boolean>;
    delete capabilities.signPutIfNotExists;
    const wrapped = Object.create(driver) as StorageDriver;
    Object.defineProperty(wrapped, "capabilities", { value: capabilities });
    return { driver: wrapped };
  },

  // Multipart upload sessions (broken-upload-drivers.ts).
  ...brokenUploadDrivers,
};

function naiveListDriver(flavor: ListFlavor): () => DriverFixture {
  return broken(naiveList(flavor));
}
