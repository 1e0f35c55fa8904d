import { StorageError } from "./storage-error.js";
import { describe } from "./known-options.js";

/** Checks that `value` is an AbortSignal (or absent). */
export function validateSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  const signal = value as Partial<AbortSignal> | null;
  if (
    typeof signal !== "object" ||
    signal === null ||
    typeof signal.aborted !== "boolean" ||
    typeof signal.addEventListener !== "function" ||
    typeof signal.removeEventListener !== "function"
  ) {
    throw new StorageError(
      "InvalidArgument",
      `signal must be an AbortSignal (got ${describe(value)}); pass controller.signal or AbortSignal.timeout(ms)`,
    );
  }
  return value as AbortSignal;
}

/** Rejects with `Aborted` when `signal` has already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, operation: string): void {
  if (signal?.aborted) throw abortedError(signal, operation);
}

function abortedError(signal: AbortSignal, operation: string): StorageError {
  return new StorageError("Aborted", `The ${operation} was aborted`, { cause: signal.reason });
}

/**
 * Settles with `promise`, or rejects with `Aborted` as soon as `signal`
 * aborts, whichever comes first: a caller never waits on a driver that is
 * stuck on a frozen server. The driver also receives the signal and should
 * stop its own I/O. Used for reads and deletes, never for puts, whose outcome
 * the driver alone knows.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, operation: string): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(signal, operation));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
