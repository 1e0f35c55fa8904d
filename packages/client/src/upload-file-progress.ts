/** How far `uploadFile` has got. */
export interface UploadFileProgress {
  /** Bytes stored, plus bytes of parts in flight when the transport reports them; never goes backwards. */
  loaded: number;
  total: number;
  /** Over the last few seconds; 0 until measured. */
  bytesPerSecond: number;
  /** At `bytesPerSecond`; `Infinity` until measured, 0 when done. */
  secondsLeft: number;
  partsDone: number;
  partsTotal: number;
}

const windowMs = 5_000;

/**
 * Counts bytes per part (done or in flight) and reports a `loaded` that
 * never goes backwards: when a part is retried its in-flight bytes drop,
 * and the reported figure holds still until the retry catches up.
 */
export class ProgressTracker {
  readonly #total: number;
  readonly #partsTotal: number;
  readonly #now: () => number;
  readonly #listener: ((progress: UploadFileProgress) => void) | undefined;
  readonly #inFlight = new Map<number, number>();
  #doneBytes = 0;
  #partsDone = 0;
  #reported = 0;
  readonly #samples: { at: number; loaded: number }[] = [];

  constructor(total: number, partsTotal: number, now: () => number, listener: ((progress: UploadFileProgress) => void) | undefined) {
    this.#total = total;
    this.#partsTotal = partsTotal;
    this.#now = now;
    this.#listener = listener;
  }

  /** Parts already stored when the upload (re)started. */
  alreadyDone(bytes: number, parts: number): void {
    this.#doneBytes += bytes;
    this.#partsDone += parts;
    this.#reported = Math.max(this.#reported, this.#doneBytes);
  }

  sending(partNumber: number, loaded: number): void {
    this.#inFlight.set(partNumber, loaded);
    this.#emit();
  }

  /** A part's try failed or was paused: its bytes no longer count. */
  dropped(partNumber: number): void {
    this.#inFlight.delete(partNumber);
  }

  done(partNumber: number, size: number): void {
    this.#inFlight.delete(partNumber);
    this.#doneBytes += size;
    this.#partsDone += 1;
    this.#emit();
  }

  #emit(): void {
    let loaded = this.#doneBytes;
    for (const bytes of this.#inFlight.values()) loaded += bytes;
    loaded = Math.min(this.#total, Math.max(this.#reported, loaded));
    this.#reported = loaded;
    const at = this.#now();
    this.#samples.push({ at, loaded });
    while (this.#samples.length > 2 && at - this.#samples[0]!.at > windowMs) this.#samples.shift();
    const first = this.#samples[0]!;
    const elapsed = (at - first.at) / 1000;
    const bytesPerSecond = elapsed > 0 ? (loaded - first.loaded) / elapsed : 0;
    const left = this.#total - loaded;
    const secondsLeft = left === 0 ? 0 : bytesPerSecond > 0 ? left / bytesPerSecond : Infinity;
    if (this.#listener === undefined) return;
    try {
      this.#listener({ loaded, total: this.#total, bytesPerSecond, secondsLeft, partsDone: this.#partsDone, partsTotal: this.#partsTotal });
    } catch {
      // A failing progress callback must not break the upload.
    }
  }

  /** Reports the current state once (at the start, and after a resume). */
  report(): void {
    this.#emit();
  }
}
