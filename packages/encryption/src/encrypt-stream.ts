import { bufferSource } from "./buffer-source.js";
import { Sha256, StorageError } from "@stowage/core";
import { encryptedSize, headerSize, segmentCount, segmentSize, storedSegmentSize } from "./encrypted-size.js";
import { formatHeader, headerAad, segmentNonce } from "./format-header.js";

/** Encrypts one segment: AES-GCM(dek, nonce(index, last), AAD = header). */
export async function encryptSegment(dek: CryptoKey, index: number, last: boolean, plaintext: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: bufferSource(segmentNonce(index, last)), additionalData: bufferSource(headerAad) }, dek, bufferSource(plaintext)));
}

export interface EncryptStreamOptions {
  /** The plaintext's expected hex SHA-256: the stream errors with `ChecksumMismatch` instead of ending when it differs. */
  sha256?: string;
}

/**
 * A stream that encrypts plaintext into the format: the header, then
 * segments of 64 KiB. It holds at most one segment plus the chunk being
 * read: a full segment is sealed as "not last" only once a later byte
 * arrives, and the held one is sealed as last at the end (an empty body is
 * one empty last segment). With `sha256`, a mismatch errors the stream
 * before its last segment, so a driver that commits on a clean end
 * commits nothing.
 */
export function createEncryptStream(dek: CryptoKey, options: EncryptStreamOptions = {}): TransformStream<Uint8Array, Uint8Array> {
  const segment = new Uint8Array(segmentSize);
  let filled = 0;
  let index = 0;
  const hash = options.sha256 === undefined ? undefined : new Sha256();
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      controller.enqueue(formatHeader());
    },
    async transform(chunk, controller) {
      hash?.update(chunk);
      let at = 0;
      while (at < chunk.length) {
        if (filled === segmentSize) {
          controller.enqueue(await encryptSegment(dek, index++, false, segment));
          filled = 0;
        }
        const take = Math.min(segmentSize - filled, chunk.length - at);
        segment.set(chunk.subarray(at, at + take), filled);
        filled += take;
        at += take;
      }
    },
    async flush(controller) {
      if (hash !== undefined) {
        const actual = hash.digestHex();
        if (actual !== options.sha256) throw new StorageError("ChecksumMismatch", `The body's SHA-256 is ${actual}, not ${options.sha256}`);
      }
      controller.enqueue(await encryptSegment(dek, index, true, segment.subarray(0, filled)));
    },
  });
}

/** Encrypts a whole plaintext held in memory (a `Uint8Array` body) into the format. */
export async function encryptBytes(dek: CryptoKey, plaintext: Uint8Array): Promise<Uint8Array> {
  const out = new Uint8Array(encryptedSize(plaintext.length));
  out.set(formatHeader(), 0);
  const count = segmentCount(plaintext.length);
  for (let index = 0; index < count; index++) {
    const part = plaintext.subarray(index * segmentSize, Math.min(plaintext.length, (index + 1) * segmentSize));
    out.set(await encryptSegment(dek, index, index === count - 1, part), headerSize + index * storedSegmentSize);
  }
  return out;
}
