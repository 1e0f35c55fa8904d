/**
 * Waits for a decrypting stream's first chunk (its first segment
 * authenticated, or its end), then returns a stream that starts with it.
 * A first segment that fails rejects here, so a `get` answers `Corrupted`
 * before any status or byte is sent; later segments still fail
 * mid-stream. Cancelling the result cancels the source.
 */
export async function firstSegmentAuthenticated(body: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  const reader = body.getReader();
  let first: ReadableStreamReadResult<Uint8Array> | undefined = await reader.read();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = first ?? (await reader.read());
        first = undefined;
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel(reason) {
        first = undefined;
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
