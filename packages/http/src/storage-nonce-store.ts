import { isStorageError, type Storage } from "@stowage/core";
import type { NonceStore } from "./nonce-store.js";

export interface StorageNonceStoreOptions {
  /** Where the markers go. Default `"__stowage/nonces/"`. Must end with `/`. */
  prefix?: string;
  /** Milliseconds since the epoch, for `purgeExpired`. Defaults to `Date.now`. */
  clock?: () => number;
}

/** A `NonceStore` kept as empty create-only objects in a `Storage`. */
export interface StorageNonceStore extends NonceStore {
  /** Deletes the markers of expired URLs; returns how many were deleted. */
  purgeExpired(): Promise<number>;
}

const expiryDigits = 15;

/**
 * Keeps each used nonce as an empty marker object written with `ifNotExists`,
 * so the storage's own create-only guarantee makes `consume` atomic, across
 * processes too (for example several servers over one fs root). Marker keys
 * start with the expiry, so `purgeExpired` lists only what it deletes.
 *
 * The storage needs the `putIfNotExists` capability. Markers are visible in
 * listings of that storage: give a prefix your app ignores, or a separate
 * `Storage`.
 */
export function storageNonceStore(storage: Storage, options: StorageNonceStoreOptions = {}): StorageNonceStore {
  const prefix = options.prefix ?? "__stowage/nonces/";
  const clock = options.clock ?? Date.now;
  if (!prefix.endsWith("/")) throw new TypeError("storageNonceStore: prefix must end with /");
  if (!storage.capabilities.putIfNotExists) {
    throw new TypeError(`storageNonceStore needs a storage with putIfNotExists (the ${storage.driver.name} driver lacks it)`);
  }
  const empty = new Uint8Array(0);
  return {
    async consume(nonce, expiresAt) {
      const key = `${prefix}${String(expiresAt.getTime()).padStart(expiryDigits, "0")}-${nonce}`;
      try {
        await storage.put(key, empty, { ifNotExists: true });
        return true;
      } catch (error) {
        if (isStorageError(error) && error.code === "AlreadyExists") return false;
        throw error;
      }
    },
    async purgeExpired() {
      const now = clock();
      let deleted = 0;
      for (;;) {
        const page = await storage.list({ prefix, limit: 1000 });
        const expired: string[] = [];
        for (const object of page.objects) {
          const expiresAt = Number(object.key.slice(prefix.length, prefix.length + expiryDigits));
          if (!(expiresAt <= now)) break;
          expired.push(object.key);
        }
        if (expired.length > 0) await storage.delete(expired);
        deleted += expired.length;
        if (expired.length < page.objects.length || page.cursor === undefined) return deleted;
      }
    },
  };
}
