import { StorageError } from "@stowage/core";
import { decryptSegment, type DecryptStreamOptions } from "./decrypt-stream.js";
import { hasFormatHeader } from "./format-header.js";
import { headerSize, segmentSize, storedSegmentSize, tagSize } from "./encrypted-size.js";

/**
 * The plaintext of stored segments `first..last` the inner driver returned
 * whole (a `Uint8Array`, as fs and memory do for a small range), without
 * stream plumbing: the first segment is decrypted before this resolves
 * (a tampered one rejects with `Corrupted`), later ones as the result is
 * read, each passed on only once its tag verified (a range within one
 * segment is returned as bytes). Bytes that are not
 * exactly those segments reject at once: nothing is returned.
 */
export async function decryptBytes(dek: CryptoKey, sealed: Uint8Array, options: DecryptStreamOptions): Promise<ReadableStream<Uint8Array> | Uint8Array> {
  const { first, last, final, total, key } = options;
  let at = options.drop ?? 0;
  if (options.withHeader) {
    if (!hasFormatHeader(sealed.subarray(at, at + headerSize))) throw corrupted("the header is not format 1's", key);
    at += headerSize;
  }
  const lastSealed = last < final ? storedSegmentSize : total - final * segmentSize + tagSize;
  const expected = (last - first) * storedSegmentSize + lastSealed;
  if (sealed.length - at !== expected) throw corrupted(`segments ${first}..${last} are ${expected} bytes, not ${sealed.length - at}`, key);
  let index = first;
  let skip = options.skip ?? 0;
  let remaining = options.length ?? Number.MAX_SAFE_INTEGER;
  const next = async (): Promise<Uint8Array | undefined> => {
    while (index <= last && remaining > 0) {
      const length = index === last ? lastSealed : storedSegmentSize;
      const plain = await decryptSegment(dek, index, index === final, sealed.subarray(at, at + length), key);
      at += length;
      index++;
      const start = Math.min(skip, plain.length);
      const take = Math.min(plain.length - start, remaining);
      skip = 0;
      remaining -= take;
      if (take > 0) return plain.subarray(start, start + take);
    }
    return undefined;
  };
  let pending: Uint8Array | undefined = await next();
  // One segment: the plaintext is all there, returned as bytes (a copy when it is a small part of the segment).
  if (first === last) return pending === undefined ? new Uint8Array(0) : pending.length * 2 < segmentSize ? pending.slice() : pending;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = pending ?? (await next());
        pending = undefined;
        if (chunk === undefined) controller.close();
        else controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
}

function corrupted(what: string, key: string | undefined): StorageError {
  return new StorageError("Corrupted", `The stored body${key === undefined ? "" : ` of ${key}`} was changed: ${what}`, key === undefined ? {} : { key });
}
