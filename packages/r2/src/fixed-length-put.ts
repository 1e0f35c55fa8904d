import { StorageError } from "@stowage/core";
import type { R2Bucket, R2Object, R2PutOptions } from "@cloudflare/workers-types/2023-07-01";

declare const FixedLengthStream: {
  new (expectedLength: number): { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> };
};

/**
 * Puts a stream of a known length through a `FixedLengthStream`.
 *
 * workerd commits the object as soon as it has received `size` bytes, even
 * when the writer is aborted afterwards (the put then rejects, but the object
 * is stored). A body that errors at its end (wrong digest, too long) must not
 * be committed, so this holds the last chunk back until the source has ended
 * cleanly: the binding never sees the final bytes of a body that fails. A
 * body longer than `size` is refused (`InvalidArgument`) as soon as a read
 * passes `size`, while the chunk before it is still held back.
 */
export async function fixedLengthPut(
  bucket: R2Bucket,
  key: string,
  source: ReadableStream<Uint8Array>,
  size: number,
  options: R2PutOptions,
): Promise<R2Object | null> {
  return sendFixedLength(
    source,
    size,
    async (readable) => (await (bucket.put(key, readable as never, options) as Promise<R2Object | null>)) ?? null,
    (object) => object === null,
  );
}

/**
 * Sends `source` (which must be `size` bytes) to the binding through a
 * `FixedLengthStream`, holding its last chunk back until it ended cleanly
 * (see `fixedLengthPut`): `send` gets the readable end. When `send`'s result
 * is `refused` (a failed condition, which can settle before the body was
 * read), the source is cancelled.
 */
export async function sendFixedLength<T>(
  source: ReadableStream<Uint8Array>,
  size: number,
  send: (readable: ReadableStream<Uint8Array>) => Promise<T>,
  refused: (result: T) => boolean = () => false,
): Promise<T> {
  const pipe = new FixedLengthStream(size);
  const writer = pipe.writable.getWriter();
  const reader = source.getReader();
  let settled = false;
  let sourceError: unknown;
  let sourceFailed = false;

  const pump = async () => {
    let pending: Uint8Array | undefined;
    let received = 0;
    try {
      for (;;) {
        const result = await reader.read();
        if (settled) return;
        if (result.done) break;
        const chunk = result.value;
        if (chunk.byteLength === 0) continue;
        received += chunk.byteLength;
        // Refused before the held-back chunk goes out: the binding has not seen `size` bytes, so commits nothing.
        if (received > size) throw new StorageError("InvalidArgument", `The body has more than the ${size} bytes it declared`);
        if (pending !== undefined) await writer.write(pending);
        pending = chunk;
      }
      if (received < size) throw new StorageError("InvalidArgument", `The body has ${received} bytes but declared ${size}`);
      if (pending !== undefined) await writer.write(pending);
      await writer.close();
    } catch (error) {
      if (settled) return;
      sourceFailed = true;
      sourceError = error;
      reader.cancel(error).catch(() => {});
      await writer.abort(error).catch(() => {});
    }
  };

  const pumping = pump();
  let object: T;
  try {
    object = await send(pipe.readable);
  } catch (error) {
    settled = true;
    await stop(reader, writer, error);
    await pumping;
    throw sourceFailed ? sourceError : error;
  }
  if (refused(object)) {
    // A failed condition can settle the put before the body was read.
    settled = true;
    await stop(reader, writer, undefined);
  }
  await pumping;
  if (sourceFailed) throw sourceError;
  return object;
}

async function stop(reader: ReadableStreamDefaultReader<Uint8Array>, writer: WritableStreamDefaultWriter<Uint8Array>, reason: unknown) {
  reader.cancel(reason).catch(() => {});
  await writer.abort(reason).catch(() => {});
}
