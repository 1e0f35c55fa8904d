/** How parts (and route calls) are retried. */
export interface RetryOptions {
  /** Tries per part, the first included. Default 5. */
  attempts?: number;
  /** The first delay; it doubles with each retry. Default 500 ms. */
  baseDelayMs?: number;
  /** The largest delay. Default 15,000 ms. */
  maxDelayMs?: number;
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export function retryPolicy(options: RetryOptions | undefined): RetryPolicy {
  const attempts = options?.attempts ?? 5;
  const baseDelayMs = options?.baseDelayMs ?? 500;
  const maxDelayMs = options?.maxDelayMs ?? 15_000;
  if (!Number.isInteger(attempts) || attempts < 1) throw new TypeError("retry.attempts must be an integer of at least 1");
  if (!(baseDelayMs >= 0) || !(maxDelayMs >= 0)) throw new TypeError("retry delays must be numbers of milliseconds, at least 0");
  return { attempts, baseDelayMs, maxDelayMs };
}

/**
 * The delay before retry number `retry` (1 for the first retry):
 * exponential, capped, with "equal jitter" (half fixed, half random), so
 * parallel parts that failed together do not retry together.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return exponential / 2 + (exponential / 2) * Math.min(1, Math.max(0, random()));
}

/** Statuses worth another try: no answer, timeout, rate limit, server failure. */
export function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
