import type { NonceStore } from "./nonce-store.js";

export interface MemoryNonceStoreOptions {
  /** Milliseconds since the epoch, for forgetting expired nonces. Defaults to `Date.now`. */
  clock?: () => number;
}

/** A `NonceStore` in one process's memory, with expired nonces swept as it grows. */
export interface MemoryNonceStore extends NonceStore {
  /** How many nonces are remembered now. */
  readonly size: number;
}

/**
 * Keeps used nonces in a Map. It holds only within one process: use
 * `storageNonceStore` when several processes serve the same URLs.
 */
export function memoryNonceStore(options: MemoryNonceStoreOptions = {}): MemoryNonceStore {
  const clock = options.clock ?? Date.now;
  const used = new Map<string, number>();
  let sweepAt = 1024;
  const sweep = (): void => {
    const now = clock();
    for (const [nonce, expiresAt] of used) if (expiresAt <= now) used.delete(nonce);
    sweepAt = Math.max(1024, used.size * 2);
  };
  return {
    get size() {
      return used.size;
    },
    async consume(nonce, expiresAt) {
      if (used.has(nonce)) return false;
      used.set(nonce, expiresAt.getTime());
      if (used.size >= sweepAt) sweep();
      return true;
    },
  };
}
