import { read } from "node:fs";

/** The part of a `FileHandle` that {@link fileBodyStream} reads through. */
export interface PositionalReader {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

/**
 * One positional read (pread) on a file descriptor through libuv's thread
 * pool. Lighter than a `FileHandle`: no handle object, event emitter or
 * close promise per file.
 */
export function readAt(descriptor: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(descriptor, buffer, offset, length, position, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead)));
  });
}

/**
 * A {@link PositionalReader} over a file descriptor.
 * Like `FileHandle.close`, `close` waits for reads still in flight before
 * it closes the descriptor (once), so a read never lands on a reused number.
 */
export function descriptorReader(descriptor: number, closeDescriptor: (descriptor: number) => void | Promise<void>): PositionalReader {
  let closing: Promise<void> | undefined;
  const inflight = new Set<Promise<number>>();
  return {
    read: async (buffer, offset, length, position) => {
      if (closing !== undefined) throw Object.assign(new Error("The file was closed"), { code: "EBADF" });
      const pending = readAt(descriptor, buffer, offset, length, position);
      inflight.add(pending);
      try {
        return { bytesRead: await pending };
      } finally {
        inflight.delete(pending);
      }
    },
    close: () =>
      (closing ??= (async () => {
        await Promise.allSettled([...inflight]);
        await closeDescriptor(descriptor);
      })()),
  };
}
