import type { MetadataCalls } from "./fs-calls.js";
import { errorCode } from "./map-fs-error.js";
import { headerLength, parseHeader, type ParsedHeader } from "./object-header.js";

/** The parsed header of an object file and the bytes read from its start (`buffer` up to `bytesRead`). */
export interface ObjectStart {
  parsed: ParsedHeader;
  buffer: Uint8Array;
  bytesRead: number;
}

/**
 * Reads the header of an open object file (and, when `want` covers it, a
 * small body with it): one read, or two when the header is longer than
 * `want`. Null when the file is not an object (no header, a directory).
 */
export async function readObjectStart(
  calls: MetadataCalls,
  descriptor: number,
  want: number,
  /** Where to read (at least `want` bytes; reused by the caller once the result is parsed): a fresh array by default. */
  into?: Uint8Array,
): Promise<ObjectStart | null> {
  let buffer = into ?? uninitializedBytes(want);
  let bytesRead: number;
  try {
    bytesRead = await calls.read(descriptor, buffer, 0, want, 0);
    const length = headerLength(buffer.subarray(0, bytesRead));
    if (length === undefined) return null;
    if (length > bytesRead) {
      const whole = new Uint8Array(length);
      whole.set(buffer.subarray(0, bytesRead));
      const more = await calls.read(descriptor, whole, bytesRead, length - bytesRead, bytesRead);
      if (bytesRead + more < length) return null;
      buffer = whole;
      bytesRead = length;
    }
  } catch (error) {
    if (errorCode(error) === "EISDIR") return null;
    throw error;
  }
  const parsed = parseHeader(buffer.subarray(0, bytesRead));
  return parsed === undefined ? null : { parsed, buffer, bytesRead };
}

/**
 * A fresh, unpooled byte array that is not zero-filled: every byte of it is
 * overwritten by a read before anyone sees it.
 */
export function uninitializedBytes(length: number): Uint8Array {
  return new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
}
