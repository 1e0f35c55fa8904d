import { StorageError, compareUtf8, noCapabilities, readAll, type ObjectInfo, type StorageDriver } from "@stowage/core";

/**
 * A deliberately plain driver for core's own tests (core cannot depend on
 * @stowage/memory): a Map, a sort on every list, and the last key as the
 * cursor, in plain text, so tests can see what a layer does to cursors.
 */
export function mapDriver(): StorageDriver & { readonly keys: () => string[] } {
  const entries = new Map<string, { bytes: Uint8Array; info: ObjectInfo }>();
  let version = 0;
  return {
    name: "map",
    capabilities: { ...noCapabilities, listDelimiter: true },
    keys: () => [...entries.keys()].sort(compareUtf8),
    async put(key, body, options) {
      const bytes = body instanceof Uint8Array ? body.slice() : await readAll(body);
      const info: ObjectInfo = {
        key,
        size: bytes.byteLength,
        etag: `v${++version}`,
        lastModified: new Date(),
        contentType: options.contentType,
        metadata: { ...options.metadata },
      };
      entries.set(key, { bytes, info });
      return { ...info };
    },
    async get(key) {
      const entry = entries.get(key);
      return entry === undefined ? null : { info: { ...entry.info }, body: entry.bytes.slice() };
    },
    async head(key) {
      const entry = entries.get(key);
      return entry === undefined ? null : { ...entry.info };
    },
    async list({ prefix, delimiter, cursor, limit, startAfter }) {
      const objects: ObjectInfo[] = [];
      const prefixes: string[] = [];
      let last = "";
      for (const key of [...entries.keys()].sort(compareUtf8)) {
        if (!key.startsWith(prefix)) continue;
        const cut = delimiter === undefined ? -1 : key.indexOf(delimiter, prefix.length);
        const entry = cut >= 0 ? key.slice(0, cut + delimiter!.length) : key;
        if (cursor !== undefined && compareUtf8(entry, cursor) <= 0) continue;
        if (startAfter !== undefined && compareUtf8(entry, startAfter) <= 0) continue;
        if (entry === last) continue;
        if (objects.length + prefixes.length === limit) return { objects, prefixes, cursor: last };
        if (cut >= 0) prefixes.push(entry);
        else objects.push({ ...entries.get(key)!.info });
        last = entry;
      }
      return { objects, prefixes };
    },
    async delete(keys) {
      for (const key of keys) entries.delete(key);
    },
  };
}

/**
 * `mapDriver` with copy and a conditional delete, the way a backend with
 * server-side copy would have them, for core's copy and move tests.
 */
export function copyingMapDriver(): StorageDriver & { readonly keys: () => string[]; readonly deletes: unknown[] } {
  const base = mapDriver();
  const deletes: unknown[] = [];
  const driver = {
    ...base,
    capabilities: { ...base.capabilities, listStartAfter: true, copy: true, serverSideCopy: true, copyIfMatch: true, copyIfNotExists: true, deleteIfMatch: true },
    deletes,
    async copy(from: string, to: string, options: { ifMatch?: string; ifNotExists?: boolean; replace?: { contentType: string; metadata: Record<string, string> } }) {
      const source = await base.get(from, {});
      if (source === null) throw new StorageError("NotFound", `${from} is missing`);
      if (options.ifMatch !== undefined && source.info.etag !== options.ifMatch) throw new StorageError("PreconditionFailed", "stale");
      if (options.ifNotExists && (await base.head(to, {})) !== null) throw new StorageError("AlreadyExists", "exists");
      const fields = options.replace ?? { contentType: source.info.contentType, metadata: source.info.metadata };
      return base.put(to, source.body as Uint8Array, { ...fields });
    },
    async delete(keys: string[], options: { ifMatch?: string }) {
      deletes.push({ keys, ...options });
      if (options.ifMatch !== undefined) {
        const info = await base.head(keys[0]!, {});
        if (info === null || info.etag !== options.ifMatch) throw new StorageError("PreconditionFailed", "changed");
      }
      return base.delete(keys, {});
    },
  };
  return driver;
}
