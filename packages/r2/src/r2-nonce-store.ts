import type { R2Bucket, R2Object } from "@cloudflare/workers-types/2023-07-01";
import { toStorageError } from "./r2-errors.js";
import { isReservedKey, reservedPrefix } from "./r2-reserved.js";

/** Where `r2NonceStore` keeps its markers by default. */
export const r2NoncePrefix = `${reservedPrefix}nonces/`;

export interface R2NonceStoreOptions {
  /** Where the markers go, inside the driver's reserved prefix. Default `"__stowage/nonces/"`. Must end with `/`. */
  prefix?: string;
  /** Milliseconds since the epoch, for `purgeExpired`. Defaults to `Date.now`. */
  clock?: () => number;
}

/**
 * A one-time-URL nonce store for `@stowage/http`'s `createSignedUrlHandler`
 * (it has that package's `NonceStore` shape), kept in the bucket itself.
 */
export interface R2NonceStore {
  /** Marks `nonce` used: `true` the first time, `false` after (atomic, across isolates). */
  consume(nonce: string, expiresAt: Date): Promise<boolean>;
  /** Deletes the markers of expired URLs; returns how many were deleted. */
  purgeExpired(): Promise<number>;
}

const expiryDigits = 15;

/**
 * Keeps each used nonce as an empty marker written straight to the binding
 * with `onlyIf: { etagDoesNotMatch: "*" }`, so R2's create-only put makes
 * `consume` atomic across isolates. The markers live under the r2 driver's
 * reserved prefix (`__stowage/nonces/`), which the driver never lists and
 * refuses to write: that is why this store uses the binding, not a
 * `Storage` (`storageNonceStore` over an r2 driver cannot write there).
 * Marker keys start with the expiry, so `purgeExpired` lists only what it deletes.
 */
export function r2NonceStore(bucket: R2Bucket, options: R2NonceStoreOptions = {}): R2NonceStore {
  const prefix = options.prefix ?? r2NoncePrefix;
  const clock = options.clock ?? Date.now;
  if (!prefix.endsWith("/") || !isReservedKey(prefix)) {
    throw new TypeError(`r2NonceStore: prefix must end with / and lie under ${reservedPrefix}, which the driver hides (got ${prefix})`);
  }
  const empty = new Uint8Array(0);
  return {
    async consume(nonce, expiresAt) {
      const key = `${prefix}${String(expiresAt.getTime()).padStart(expiryDigits, "0")}-${nonce}`;
      let stored: R2Object | null;
      try {
        stored = (await (bucket.put(key, empty, { onlyIf: { etagDoesNotMatch: "*" } }) as Promise<R2Object | null>)) ?? null;
      } catch (error) {
        throw toStorageError(error, "nonce");
      }
      return stored !== null;
    },
    async purgeExpired() {
      const now = clock();
      let deleted = 0;
      try {
        for (;;) {
          const page = await bucket.list({ prefix, limit: 1000 });
          const expired: string[] = [];
          for (const object of page.objects) {
            const expiresAt = Number(object.key.slice(prefix.length, prefix.length + expiryDigits));
            if (!(expiresAt <= now)) break;
            expired.push(object.key);
          }
          if (expired.length > 0) await bucket.delete(expired);
          deleted += expired.length;
          if (expired.length < page.objects.length || !page.truncated) return deleted;
        }
      } catch (error) {
        throw toStorageError(error, "nonce purge");
      }
    },
  };
}
