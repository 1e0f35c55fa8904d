import type { DriverRange } from "@stowage/core";

/** The `Range` header for a driver range. */
export function rangeHeader(range: DriverRange | undefined): string | undefined {
  if (range === undefined) return undefined;
  if ("suffix" in range) return `bytes=-${range.suffix}`;
  return range.length === undefined ? `bytes=${range.offset}-` : `bytes=${range.offset}-${range.offset + range.length - 1}`;
}

/**
 * The bytes a range selects from an object of `size` bytes, by the
 * contract's rules (a length past the end is clamped, a suffix longer than
 * the object is the whole object); `null` when it selects nothing (an
 * offset at or past the size, any range of an empty object):
 * `RangeNotSatisfiable`.
 *
 * Used when a server ignores `Range` and answers 200 with the whole object
 * (HTTP allows it; Swift does so for a suffix range of an empty object).
 */
export function selectRange(range: DriverRange, size: number): { offset: number; length: number } | null {
  if (size === 0) return null;
  if ("suffix" in range) {
    const offset = Math.max(0, size - range.suffix);
    return { offset, length: size - offset };
  }
  if (range.offset >= size) return null;
  const end = range.length === undefined ? size : Math.min(size, range.offset + range.length);
  return { offset: range.offset, length: end - range.offset };
}

/**
 * The `length` bytes at `offset` of a body stream: earlier bytes are read and
 * dropped, and the rest of the body is cancelled once `length` bytes went out.
 */
export function sliceBody(body: ReadableStream<Uint8Array>, offset: number, length: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let skip = offset;
  let left = length;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (left === 0) {
          controller.close();
          await reader.cancel().catch(() => undefined);
          return;
        }
        const { done, value } = await reader.read();
        if (done) {
          controller.error(new Error(`the body ended ${left} bytes before the end of the range`));
          return;
        }
        let chunk = value;
        if (skip > 0) {
          if (chunk.byteLength <= skip) {
            skip -= chunk.byteLength;
            continue;
          }
          chunk = chunk.subarray(skip);
          skip = 0;
        }
        if (chunk.byteLength > left) chunk = chunk.subarray(0, left);
        left -= chunk.byteLength;
        controller.enqueue(chunk);
        return;
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
