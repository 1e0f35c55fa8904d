import { bufferSource } from "./buffer-source.js";
import { StorageError } from "@stowage/core";
import { hasFormatHeader, headerAad, segmentNonce } from "./format-header.js";
import { headerSize, segmentSize, storedSegmentSize, tagSize } from "./encrypted-size.js";

/** What a decrypting stream reads and what it returns. */
export interface DecryptStreamOptions {
  /** The first segment index in the input. */
  first: number;
  /** The last segment index in the input (inclusive). */
  last: number;
  /** The index of the object's last segment (sealed with the last flag). */
  final: number;
  /** The object's plaintext size (the last segment's length comes from it). */
  total: number;
  /** The input starts with the 8-byte header (segment 0 is read from offset 0). */
  withHeader: boolean;
  /** Plaintext bytes to drop from the first segment. Default 0. */
  skip?: number;
  /** Plaintext bytes to return at most. Default: all. */
  length?: number;
  /** The object key, for error messages. */
  key?: string;
  /**
   * Input bytes to ignore before the header or the first segment (a stored
   * suffix read starts inside the segment before the first one needed).
   * Default 0.
   */
  drop?: number;
}

/** Decrypts one segment; `Corrupted` when it does not authenticate. */
export async function decryptSegment(dek: CryptoKey, index: number, last: boolean, sealed: Uint8Array, key?: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: bufferSource(segmentNonce(index, last)), additionalData: bufferSource(headerAad) }, dek, bufferSource(sealed)));
  } catch (error) {
    throw corrupted(`segment ${index} does not authenticate`, key, error);
  }
}

function corrupted(what: string, key: string | undefined, cause?: unknown): StorageError {
  const options: { key?: string; cause?: unknown } = {};
  if (key !== undefined) options.key = key;
  if (cause !== undefined) options.cause = cause;
  return new StorageError("Corrupted", `The stored body${key === undefined ? "" : ` of ${key}`} was changed: ${what}`, options);
}

/**
 * A stream that authenticates and decrypts stored segments
 * `first..last`. It holds at most one segment plus the chunk being read,
 * and passes on a segment's plaintext only once its tag verified: at the
 * first segment that fails (a changed byte, a truncation, an extension,
 * reordered or swapped segments), it errors with `Corrupted` and returns
 * nothing from that segment on.
 */
export function createDecryptStream(dek: CryptoKey, options: DecryptStreamOptions): TransformStream<Uint8Array, Uint8Array> {
  const { first, last, final, total, key } = options;
  let remaining = options.length ?? Number.MAX_SAFE_INTEGER;
  let skip = options.skip ?? 0;
  let dropLeft = options.drop ?? 0;
  let headerLeft = options.withHeader ? headerSize : 0;
  const header = new Uint8Array(headerSize);
  let index = first;
  const sealedLength = (at: number): number => (at < final ? storedSegmentSize : total - final * segmentSize + tagSize);
  let buffer = new Uint8Array(sealedLength(index));
  let filled = 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      let at = 0;
      if (dropLeft > 0) {
        at = Math.min(dropLeft, chunk.length);
        dropLeft -= at;
      }
      if (headerLeft > 0 && at < chunk.length) {
        const take = Math.min(headerLeft, chunk.length - at);
        header.set(chunk.subarray(at, at + take), headerSize - headerLeft);
        headerLeft -= take;
        at += take;
        if (headerLeft === 0 && !hasFormatHeader(header)) throw corrupted("the header is not format 1's", key);
      }
      while (at < chunk.length) {
        if (index > last) throw corrupted("it is longer than its size says", key);
        const take = Math.min(buffer.length - filled, chunk.length - at);
        buffer.set(chunk.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (filled === buffer.length) {
          const plain = await decryptSegment(dek, index, index === final, buffer, key);
          const start = Math.min(skip, plain.length);
          const take = Math.min(plain.length - start, remaining);
          if (take > 0) controller.enqueue(plain.subarray(start, start + take));
          remaining -= take;
          skip = 0;
          index++;
          filled = 0;
          if (index <= last && buffer.length !== sealedLength(index)) buffer = new Uint8Array(sealedLength(index));
        }
      }
    },
    flush() {
      if (dropLeft > 0 || headerLeft > 0 || index <= last) throw corrupted(`it ends inside segment ${index}`, key);
    },
  });
}
