import { StorageError } from "@stowage/core";

/**
 * Passes `source` through, holding its latest chunk back until the source
 * ended cleanly with exactly `size` bytes: a request sent with
 * `Content-Length: size` therefore never completes for a body that errors,
 * aborts or has another length (the service stores nothing). `failure()`
 * is the source's error (or the length's), for the caller to rethrow
 * instead of the transport's.
 */
export function heldBackStream(source: ReadableStream<Uint8Array>, size: number): { stream: ReadableStream<Uint8Array>; failure(): unknown } {
  const reader = source.getReader();
  let held: Uint8Array | undefined;
  let total = 0;
  let failure: unknown;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          let result: ReadableStreamReadResult<Uint8Array>;
          try {
            result = await reader.read();
          } catch (error) {
            failure = error;
            controller.error(error);
            return;
          }
          if (result.done) {
            if (total !== size) {
              failure = new StorageError("InvalidArgument", `The part has ${total} bytes but must have ${size}`);
              controller.error(failure);
              return;
            }
            if (held !== undefined) controller.enqueue(held);
            held = undefined;
            controller.close();
            return;
          }
          if (result.value.byteLength === 0) continue;
          total += result.value.byteLength;
          if (total > size) {
            failure = new StorageError("InvalidArgument", `The part has more than the ${size} bytes it must have`);
            controller.error(failure);
            reader.cancel(failure).catch(() => {});
            return;
          }
          const previous = held;
          held = result.value;
          if (previous !== undefined) {
            controller.enqueue(previous);
            return;
          }
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, failure: () => failure };
}
