import { compareUtf8, noCapabilities, readAll, type ObjectInfo, type StorageDriver } from "@stowage/core";

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
    async list({ prefix, delimiter, cursor, limit }) {
      const objects: ObjectInfo[] = [];
      const prefixes: string[] = [];
      let last = "";
      for (const key of [...entries.keys()].sort(compareUtf8)) {
        if (!key.startsWith(prefix)) continue;
        const cut = delimiter === undefined ? -1 : key.indexOf(delimiter, prefix.length);
        const entry = cut >= 0 ? key.slice(0, cut + delimiter!.length) : key;
        if (cursor !== undefined && compareUtf8(entry, cursor) <= 0) continue;
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
