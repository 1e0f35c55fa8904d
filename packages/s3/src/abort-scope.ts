/**
 * An AbortSignal for the requests of one operation: it aborts when the
 * caller's signal does, or when the operation itself gives up (for example a
 * failed part stops the other parts in flight). `dispose` unhooks it from the
 * caller's signal.
 */
export class AbortScope {
  private readonly controller = new AbortController();
  private readonly onParentAbort = () => this.abort(this.parent?.reason);

  constructor(private readonly parent: AbortSignal | undefined) {
    if (parent?.aborted) this.abort(parent.reason);
    else parent?.addEventListener("abort", this.onParentAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(reason?: unknown): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  dispose(): void {
    this.parent?.removeEventListener("abort", this.onParentAbort);
  }
}

/**
 * Waits for `work` (which never rejects), but once `signal` has aborted, for
 * at most `graceMs` more: a caller who gave up is answered promptly while the
 * work goes on in the background.
 */
export function waitUnlessAborted(work: Promise<unknown>, signal: AbortSignal | undefined, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve();
    };
    const onAbort = () => {
      timer = setTimeout(done, graceMs);
    };
    work.then(done, done);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
}
