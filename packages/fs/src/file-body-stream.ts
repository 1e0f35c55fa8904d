import type { PositionalReader } from "./descriptor-io.js";
import { mapFsError } from "./map-fs-error.js";

/**
 * Bytes per positional read when streaming a body. Large reads make few
 * round trips through libuv's thread pool: a 512 MiB body streams about
 * 1.5 times faster with 1 MiB reads than with 128 KiB ones.
 */
export const readSlabBytes = 1024 * 1024;
/**
 * Bytes per chunk handed to the reader: views into the slab. Small chunks
 * keep peak memory low: V8 frees a slab only in a garbage collection, and
 * a young-generation collection comes after the new space fills with small
 * objects (the chunk views, promises, read results) or after 32 MiB of new
 * buffers. With 1 MiB chunks only the latter happens, so up to 32 MiB of
 * dead slabs pile up; with 16 KiB chunks collections come several times as
 * often (a 1 GiB round trip peaks about 15 MiB lower), at a cost of about a
 * microsecond per chunk.
 */
export const chunkBytes = 16 * 1024;

/**
 * A pull-based stream over `length` bytes of an open file from `position`,
 * read with positional reads (pread) of {@link readSlabBytes}, handed out
 * in chunks of {@link chunkBytes}. While one slab is handed out, the next is
 * read ahead, so the reader rarely waits for the disk; memory stays at
 * about two slabs. `initial` holds bytes already read from `position` on.
 * The handle is closed when the stream ends, errors or is cancelled.
 */
export function fileBodyStream(
  handle: PositionalReader,
  position: number,
  length: number,
  initial: Uint8Array | undefined,
  signal: AbortSignal | undefined,
): ReadableStream<Uint8Array> {
  const end = position + length;
  /** Bytes handed out so far end here. */
  let delivered = position;
  /** The next slab read starts here. */
  let readFrom = position;
  let slab: Uint8Array | undefined;
  if (initial !== undefined && initial.byteLength > 0) {
    slab = initial.byteLength > length ? initial.subarray(0, length) : initial;
    readFrom += slab.byteLength;
  }
  let ahead: Promise<Uint8Array> | undefined;
  let closed = false;

  const readSlab = async (at: number, want: number): Promise<Uint8Array> => {
    const buffer = new Uint8Array(Buffer.allocUnsafeSlow(want).buffer, 0, want);
    let filled = 0;
    while (filled < want) {
      const { bytesRead } = await handle.read(buffer, filled, want - filled, at + filled);
      if (bytesRead === 0) throw Object.assign(new Error("The object file is shorter than its header says"), { code: "EIO" });
      filled += bytesRead;
    }
    return buffer;
  };
  const startReadAhead = () => {
    if (ahead !== undefined || readFrom >= end) return;
    const want = Math.min(readSlabBytes, end - readFrom);
    ahead = readSlab(readFrom, want);
    ahead.catch(() => {});
    readFrom += want;
  };
  const close = async () => {
    if (closed) return;
    closed = true;
    // FileHandle.close waits for a read still in flight.
    await handle.close().catch(() => {});
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          if (signal?.aborted) throw Object.assign(new Error("The get was aborted"), { name: "AbortError" });
          if (slab === undefined || slab.byteLength === 0) {
            startReadAhead();
            if (ahead === undefined) {
              await close();
              controller.close();
              return;
            }
            slab = await ahead;
            ahead = undefined;
          }
          startReadAhead();
          const chunk = slab.subarray(0, chunkBytes);
          slab = slab.subarray(chunk.byteLength);
          delivered += chunk.byteLength;
          controller.enqueue(chunk);
          if (delivered >= end) {
            await close();
            controller.close();
          }
        } catch (error) {
          await close();
          throw mapFsError(error, "reading the body");
        }
      },
      async cancel() {
        await close();
      },
    },
    { highWaterMark: 0 },
  );
}
