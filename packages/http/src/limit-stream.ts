import { StorageError } from "@stowage/core";

/**
 * Passes `body` through while counting bytes. Past `maxBytes` it errors with
 * `TooLarge` (and cancels the source) before the extra chunk reaches the
 * storage; at the end it errors with `InvalidArgument` when `exactBytes` was
 * not reached.
 */
export function limitStream(
  body: ReadableStream<Uint8Array>,
  maxBytes: number | undefined,
  exactBytes: number | undefined,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let total = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          if (exactBytes !== undefined && total !== exactBytes) {
            controller.error(new StorageError("InvalidArgument", `The body has ${total} bytes but the URL requires ${exactBytes}`));
          } else {
            controller.close();
          }
          return;
        }
        total += value.byteLength;
        if (maxBytes !== undefined && total > maxBytes) {
          const error = new StorageError("TooLarge", `The body is larger than the ${maxBytes} bytes the URL allows`);
          controller.error(error);
          reader.cancel(error).catch(() => {});
          return;
        }
        controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
