import { StorageError, isStorageError } from "./storage-error.js";
import { Sha256 } from "./sha256.js";
import { describe } from "./known-options.js";

export interface BodyChecks {
  size?: number;
  sha256?: string;
  signal?: AbortSignal;
}

/**
 * A body stream that checks itself while it is read. Instead of ending, it
 * errors with a `StorageError` when the source fails (`Aborted`), the
 * signal aborts (`Aborted`), the body is longer or shorter than `size`
 * (`InvalidArgument`), or its digest differs from `sha256`
 * (`ChecksumMismatch`). A driver that commits only after a clean end of
 * stream therefore never commits a bad body.
 */
export class CheckedStream {
  readonly stream: ReadableStream<Uint8Array>;
  /** The first error this stream raised, if any. */
  failure: StorageError | undefined;
  bytesRead = 0;

  constructor(source: ReadableStream<Uint8Array>, checks: BodyChecks) {
    const reader = source.getReader();
    const hash = checks.sha256 === undefined ? undefined : new Sha256();
    const signal = checks.signal;
    let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
    let done = false;
    const fail = (error: StorageError): StorageError => {
      if (this.failure === undefined) this.failure = error;
      if (!done) {
        done = true;
        signal?.removeEventListener("abort", onAbort);
        reader.cancel(error).catch(() => {});
        try {
          controllerRef?.error(this.failure);
        } catch {
          // already closed or errored
        }
      }
      return this.failure;
    };
    const onAbort = () => {
      fail(new StorageError("Aborted", "The put was aborted", { cause: signal?.reason }));
    };
    signal?.addEventListener("abort", onAbort, { once: true });

    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          controllerRef = controller;
          if (signal?.aborted) onAbort();
        },
        pull: async (controller) => {
          if (done) return;
          let result: ReadableStreamReadResult<Uint8Array>;
          try {
            result = await reader.read();
          } catch (error) {
            throw fail(
              isStorageError(error)
                ? error
                : new StorageError("Aborted", "The body stream failed before it ended", { cause: error }),
            );
          }
          if (done) return;
          if (result.done) {
            if (checks.size !== undefined && this.bytesRead !== checks.size) {
              throw fail(new StorageError("InvalidArgument", `The body has ${this.bytesRead} bytes but size says ${checks.size}`));
            }
            if (hash !== undefined) {
              const actual = hash.digestHex();
              if (actual !== checks.sha256) {
                throw fail(new StorageError("ChecksumMismatch", `The body's SHA-256 is ${actual}, not ${checks.sha256}`));
              }
            }
            done = true;
            signal?.removeEventListener("abort", onAbort);
            controller.close();
            return;
          }
          const chunk = result.value as unknown;
          if (!(chunk instanceof Uint8Array)) {
            const got = typeof chunk === "string" ? "a string: a Node Readable after setEncoding yields strings; drop setEncoding" : describe(chunk);
            throw fail(new StorageError("InvalidArgument", `A body stream must yield Uint8Array chunks (got ${got})`));
          }
          this.bytesRead += chunk.byteLength;
          if (checks.size !== undefined && this.bytesRead > checks.size) {
            throw fail(new StorageError("InvalidArgument", `The body is longer than size (${checks.size} bytes)`));
          }
          hash?.update(chunk);
          controller.enqueue(chunk);
        },
        cancel: (reason) => {
          done = true;
          signal?.removeEventListener("abort", onAbort);
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
  }
}
