import { StorageError } from "@stowage/core";

/** Plaintext bytes per segment (64 KiB; size code 0x10 in the header). */
export const segmentSize = 65536;
/** The AES-GCM tag that ends every segment. */
export const tagSize = 16;
/** The bytes of one full segment as stored. */
export const storedSegmentSize = segmentSize + tagSize;
/** The body header: "STWE", version, size code, 2 reserved bytes. */
export const headerSize = 8;

/** How many segments a plaintext of `plaintextBytes` is stored in (at least one: an empty object is one empty segment). */
export function segmentCount(plaintextBytes: number): number {
  return Math.max(1, Math.ceil(plaintextBytes / segmentSize));
}

/** The stored size of a plaintext of `plaintextBytes`: `8 + p + 16 * max(1, ceil(p / 65536))`. */
export function encryptedSize(plaintextBytes: number): number {
  return headerSize + plaintextBytes + tagSize * segmentCount(plaintextBytes);
}

/**
 * The plaintext size of a stored body of `storedBytes`, or `undefined` when
 * no body in the format has that size (shorter than header + one tag, or a
 * last segment shorter than its tag).
 */
export function plaintextSizeOrUndefined(storedBytes: number): number | undefined {
  if (!Number.isSafeInteger(storedBytes) || storedBytes < headerSize + tagSize) return undefined;
  const body = storedBytes - headerSize;
  const segments = Math.ceil(body / storedSegmentSize);
  const last = body - (segments - 1) * storedSegmentSize;
  if (last < tagSize) return undefined;
  // An empty last segment is allowed only when it is the only one.
  if (last === tagSize && segments > 1) return undefined;
  return body - tagSize * segments;
}

/** `plaintextSizeOrUndefined`, throwing `Corrupted` for a size that is not the format's. */
export function plaintextSize(storedBytes: number, key?: string): number {
  const size = plaintextSizeOrUndefined(storedBytes);
  if (size === undefined) {
    throw new StorageError("Corrupted", `A stored body of ${storedBytes} bytes is not in the encrypted format`, key === undefined ? {} : { key });
  }
  return size;
}

/** The segments and stored bytes a plaintext range needs. */
export interface SegmentRange {
  /** The first segment index needed. */
  first: number;
  /** The last segment index needed (inclusive). */
  last: number;
  /** The index of the object's last segment (it carries the last flag). */
  final: number;
  /** The stored byte offset to read from (0 when segment 0 is included: the header comes along). */
  storedOffset: number;
  /** The stored bytes to read. */
  storedLength: number;
  /** Plaintext bytes to drop from the start of the first segment. */
  skip: number;
}

/**
 * What to read for plaintext bytes `[offset, offset + length)` of an object
 * of `total` plaintext bytes (`length >= 1`, `offset + length <= total`):
 * the segments `floor(offset / S)..floor((offset + length - 1) / S)`, as
 * one stored byte range.
 */
export function segmentRange(offset: number, length: number, total: number): SegmentRange {
  const first = Math.floor(offset / segmentSize);
  const last = Math.floor((offset + length - 1) / segmentSize);
  const final = segmentCount(total) - 1;
  const start = first === 0 ? 0 : headerSize + first * storedSegmentSize;
  const endPlain = Math.min(total, (last + 1) * segmentSize);
  const end = headerSize + endPlain + (last + 1) * tagSize;
  return { first, last, final, storedOffset: start, storedLength: end - start, skip: offset - first * segmentSize };
}
