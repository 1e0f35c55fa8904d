import { UploadError } from "./upload-error.js";
import type { SignedPart } from "./upload-routes.js";

interface Cached {
  part: SignedPart;
  expiresAtMs: number;
}

export interface PartUrlSignerOptions {
  /** Calls the sign route (with its retries) for these part numbers. */
  sign: (partNumbers: number[]) => Promise<SignedPart[]>;
  /** The parts not yet started, in the order they will start. */
  upcoming: () => readonly number[];
  /** Parts per sign call (at most 100). */
  batchSize: number;
  /** A URL expiring within this many milliseconds is signed again before use. */
  marginMs: number;
  now: () => number;
}

/**
 * Signs part URLs just in time, in batches: asking for a part that has no
 * fresh URL signs it together with the next parts due to start (up to
 * `batchSize`), so a URL waits in the queue for at most one batch, never for
 * the whole file. Concurrent requests for parts of one batch share its call.
 */
export class PartUrlSigner {
  readonly #options: PartUrlSignerOptions;
  readonly #cache = new Map<number, Cached>();
  readonly #signing = new Map<number, Promise<void>>();

  constructor(options: PartUrlSignerOptions) {
    this.#options = options;
  }

  /** A URL for the part: a cached fresh one, or newly signed (always newly signed with `fresh`). */
  async get(partNumber: number, fresh = false): Promise<SignedPart> {
    if (fresh) {
      this.#cache.delete(partNumber);
      await this.#signBatch([partNumber]);
    } else if (!this.#isFresh(partNumber)) {
      const pending = this.#signing.get(partNumber);
      if (pending !== undefined) await pending;
      // A URL just signed by a shared call is used even when the server
      // signs it for less than the margin, so a short server expiry cannot loop.
      if (pending === undefined || !this.#cache.has(partNumber)) {
        const batch = [partNumber];
        for (const next of this.#options.upcoming()) {
          if (batch.length >= this.#options.batchSize) break;
          if (next !== partNumber && !this.#isFresh(next) && !this.#signing.has(next)) batch.push(next);
        }
        await this.#signBatch(batch);
      }
    }
    const cached = this.#cache.get(partNumber);
    if (cached === undefined) throw new UploadError("Unknown", `The sign route did not sign part ${partNumber}`, { status: 0 });
    return cached.part;
  }

  /** The part is stored: its URL is no longer needed. */
  forget(partNumber: number): void {
    this.#cache.delete(partNumber);
  }

  /** Signed and not yet started (for tests and diagnostics). */
  get cachedCount(): number {
    return this.#cache.size;
  }

  #isFresh(partNumber: number): boolean {
    const cached = this.#cache.get(partNumber);
    return cached !== undefined && cached.expiresAtMs - this.#options.marginMs > this.#options.now();
  }

  async #signBatch(partNumbers: number[]): Promise<void> {
    const call = this.#options.sign(partNumbers).then((parts) => {
      for (const part of parts) {
        const expiresAtMs = new Date(part.expiresAt).getTime();
        this.#cache.set(part.partNumber, { part, expiresAtMs: Number.isFinite(expiresAtMs) ? expiresAtMs : Infinity });
      }
    });
    for (const partNumber of partNumbers) this.#signing.set(partNumber, call);
    try {
      await call;
    } finally {
      for (const partNumber of partNumbers) if (this.#signing.get(partNumber) === call) this.#signing.delete(partNumber);
    }
  }
}
