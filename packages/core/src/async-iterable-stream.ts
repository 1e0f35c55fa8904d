/** True for anything with `Symbol.asyncIterator`: a Node `Readable`, an async generator. */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}

/**
 * A web stream that pulls one chunk from `iterable` per read, so nothing is
 * buffered ahead of the reader. Cancelling the stream calls the iterator's
 * `return` (a Node `Readable` is destroyed, a generator's `finally` runs).
 * An error the iterator throws errors the stream. Chunks are passed on as
 * they are; `CheckedStream` refuses anything but a `Uint8Array`.
 */
export function asyncIterableToStream(iterable: AsyncIterable<unknown>): ReadableStream<Uint8Array> {
  let iterator: AsyncIterator<unknown> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        iterator ??= iterable[Symbol.asyncIterator]();
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value as Uint8Array);
      },
      async cancel(reason) {
        await iterator?.return?.(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
