import { StorageError } from "@stowage/core";
import type { OpenedSource } from "./clone-object.js";
import { throwIfAborted, type DriverContext } from "./driver-context.js";
import { uninitializedBytes } from "./read-object-start.js";
import { writeAll, type Writer } from "./write-object.js";

/** Bytes per chunk of a copy that cannot be cloned: memory stays at two chunks, whatever the size. */
export const streamCopyChunkBytes = 1024 * 1024;

/**
 * Copies the source's body through this process, for a copy whose new
 * header does not fit in the source's: positional reads of one chunk from
 * the open source while the previous chunk is written at `targetOffset`
 * on. The signal is checked before each chunk.
 */
export async function copyBodyStreamed(
  context: DriverContext,
  source: OpenedSource,
  write: Writer,
  targetOffset: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const size = source.parsed.info.size;
  const from = source.parsed.dataOffset;
  const buffers = [uninitializedBytes(Math.min(streamCopyChunkBytes, size)), uninitializedBytes(Math.min(streamCopyChunkBytes, size))];
  let writing: Promise<void> | undefined;
  try {
    for (let done = 0, turn = 0; done < size; turn ^= 1) {
      throwIfAborted(signal, "copy");
      const buffer = buffers[turn]!;
      const length = Math.min(buffer.byteLength, size - done);
      let filled = 0;
      while (filled < length) {
        const got = await context.io.read(source.descriptor, buffer, filled, length - filled, from + done + filled);
        if (got === 0) throw new StorageError("Unavailable", "fs: the source file is shorter than its header says");
        filled += got;
      }
      // The previous chunk's write (the other buffer) must end before this one starts.
      await writing;
      writing = writeAll(write, [buffer.subarray(0, length)], targetOffset + done);
      writing.catch(() => {});
      done += length;
    }
    await writing;
  } catch (error) {
    await writing?.catch(() => {});
    throw error;
  }
}
