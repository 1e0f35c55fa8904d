import type { Keyring } from "./keyring.js";

/** How many unwrapped and imported data keys a keyring keeps. */
export const dataKeyCacheSize = 256;

/**
 * Unwrapped, imported data keys, one cache per keyring instance: a keyring
 * is immutable, so another one (other secrets under the same ids) never
 * sees this one's keys. Entries are keyed by the exact record text and the
 * object key, because the record's wrap AAD binds the object key: the same
 * record under another key must be unwrapped (and fail) again.
 */
const caches = new WeakMap<Keyring, Map<string, Promise<CryptoKey>>>();

/**
 * The data key of `objectKey` with record `record`, from the keyring's
 * cache or from `load` (unwrap + import), least recently used evicted past
 * {@link dataKeyCacheSize}. A load that fails is not kept.
 */
export function cachedDataKey(keys: Keyring, record: string, objectKey: string, load: () => Promise<CryptoKey>): Promise<CryptoKey> {
  let cache = caches.get(keys);
  if (cache === undefined) {
    cache = new Map();
    caches.set(keys, cache);
  }
  const id = `${record.length}:${record}:${objectKey}`;
  const found = cache.get(id);
  if (found !== undefined) {
    cache.delete(id);
    cache.set(id, found);
    return found;
  }
  const loading = load();
  cache.set(id, loading);
  if (cache.size > dataKeyCacheSize) cache.delete(cache.keys().next().value!);
  loading.catch(() => {
    if (cache.get(id) === loading) cache.delete(id);
  });
  return loading;
}
