import { UploadError } from "./upload-error.js";

/**
 * The run state shared by the workers of one upload: `halt` (cancel or a
 * failure that will not heal) aborts everything for good; `pause()` aborts
 * the parts in flight and holds the workers until `resume()`.
 */
export class UploadControl {
  readonly #halt = new AbortController();
  #pause = new AbortController();
  #paused = false;
  #waiters: (() => void)[] = [];
  #reason: unknown;

  get halted(): boolean {
    return this.#halt.signal.aborted;
  }

  get haltSignal(): AbortSignal {
    return this.#halt.signal;
  }

  /** Why it halted. */
  get reason(): unknown {
    return this.#reason;
  }

  get paused(): boolean {
    return this.#paused;
  }

  halt(reason: unknown): void {
    if (this.halted) return;
    this.#reason = reason;
    this.#halt.abort(reason);
    this.#release();
  }

  pause(): void {
    if (this.#paused || this.halted) return;
    this.#paused = true;
    this.#pause.abort(new UploadError("Aborted", "Paused", { status: 0 }));
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#pause = new AbortController();
    this.#release();
  }

  /** A signal for one request, aborted on halt and on pause; call `release` when the request is over. */
  requestSignal(): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    const halt = this.#halt.signal;
    const pause = this.#pause.signal;
    const release = (): void => {
      halt.removeEventListener("abort", abort);
      pause.removeEventListener("abort", abort);
    };
    const abort = (): void => {
      release();
      controller.abort();
    };
    if (halt.aborted || pause.aborted) controller.abort();
    else {
      halt.addEventListener("abort", abort, { once: true });
      pause.addEventListener("abort", abort, { once: true });
    }
    return { signal: controller.signal, release };
  }

  /** Resolves at once unless paused; else on resume (or halt). Throws the halt reason. */
  async ready(): Promise<void> {
    while (this.#paused && !this.halted) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    if (this.halted) throw this.#reason;
  }

  #release(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
