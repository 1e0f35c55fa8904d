import type { FileHandle } from "node:fs/promises";
import { mapFsError } from "./map-fs-error.js";

/** Bytes per positional read when streaming a body. */
export const readSlabBytes = 128 * 1024;
/**
 * Bytes per chunk handed to the reader: views into the slab. Small chunks
 * keep peak memory low: V8 frees the slabs after a young-generation
 * collection, which comes sooner when there are more (small) chunk objects.
 */
export const chunkBytes = 32 * 1024;

/**
 * A pull-based stream over `length` bytes of an open file from `position`,
 * read with positional reads (pread), one chunk per pull, so memory stays
 * at about one chunk. `initial` holds bytes already read from `position`
 * on. The handle is closed when the stream ends, errors or is cancelled.
 */
export function fileBodyStream(
  handle: FileHandle,
  position: number,
  length: number,
  initial: Uint8Array | undefined,
  signal: AbortSignal | undefined,
): ReadableStream<Uint8Array> {
  let next = position;
  const end = position + length;
  let pending = initial !== undefined && initial.byteLength > 0 ? initial : undefined;
  /** Read but not yet handed out. */
  let slab: Uint8Array | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close().catch(() => {});
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          if (signal?.aborted) throw Object.assign(new Error("The get was aborted"), { name: "AbortError" });
          if (pending !== undefined) {
            const chunk = pending.byteLength > end - next ? pending.subarray(0, end - next) : pending;
            pending = undefined;
            next += chunk.byteLength;
            controller.enqueue(chunk);
            if (next >= end) {
              await close();
              controller.close();
            }
            return;
          }
          if (slab === undefined || slab.byteLength === 0) {
            if (next >= end) {
              await close();
              controller.close();
              return;
            }
            const want = Math.min(readSlabBytes, end - next);
            const buffer = new Uint8Array(Buffer.allocUnsafeSlow(want).buffer, 0, want);
            let filled = 0;
            while (filled < want) {
              const { bytesRead } = await handle.read(buffer, filled, want - filled, next + filled);
              if (bytesRead === 0) throw Object.assign(new Error("The object file is shorter than its header says"), { code: "EIO" });
              filled += bytesRead;
            }
            next += want;
            slab = buffer;
          }
          const chunk = slab.subarray(0, chunkBytes);
          slab = slab.subarray(chunk.byteLength);
          controller.enqueue(chunk);
          if (next >= end && slab.byteLength === 0) {
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
