import { StorageError } from "@stowage/core";
import type {
  R2Bucket,
  R2MultipartUpload,
  R2Object,
  R2PutOptions,
  R2UploadedPart,
} from "@cloudflare/workers-types/2023-07-01";

/** R2's smallest part (all parts but the last). */
export const minPartSize = 5 * 1024 * 1024;
/** R2 accepts at most this many parts. */
export const maxParts = 10_000;
/** The largest object R2 takes in a single put (5 GiB minus 5 MiB). */
export const maxSinglePutSize = 5 * 1024 * 1024 * 1024 - 5 * 1024 * 1024;

export interface UnknownLengthPutOptions {
  put: R2PutOptions;
  /** The put has `onlyIf`, which multipart cannot honour: buffer the whole body. */
  conditional: boolean;
  partSize: number;
}

/**
 * Puts a stream whose length is unknown. The binding needs a known length,
 * so a body that ends within the first part is buffered and put in one
 * request (which also keeps `onlyIf` and `sha256`); a longer body goes up as
 * a multipart upload of equal parts (the last may be shorter), completed
 * only after the stream ended cleanly and aborted on any error, so no
 * partial object is ever visible. A conditional put of a long stream is
 * buffered whole, because multipart completion takes no condition.
 */
export async function unknownLengthPut(
  bucket: R2Bucket,
  key: string,
  source: ReadableStream<Uint8Array>,
  options: UnknownLengthPutOptions,
): Promise<R2Object | null> {
  const reader = source.getReader();
  const buffer = new ChunkBuffer();
  let upload: R2MultipartUpload | undefined;
  try {
    let ended = false;
    while (!ended && (options.conditional || buffer.length < options.partSize)) {
      const result = await reader.read();
      if (result.done) ended = true;
      else buffer.push(result.value);
      if (buffer.length > maxSinglePutSize) {
        throw new StorageError("TooLarge", `A conditional put of a stream is limited to ${maxSinglePutSize} bytes (one R2 put)`);
      }
    }
    if (ended) {
      return (await (bucket.put(key, buffer.take(buffer.length), options.put) as Promise<R2Object | null>)) ?? null;
    }

    const { httpMetadata, customMetadata } = options.put;
    upload = await bucket.createMultipartUpload(key, { httpMetadata, customMetadata });
    const parts: R2UploadedPart[] = [];
    let inFlight: Promise<R2UploadedPart> | undefined;
    const send = async (bytes: Uint8Array) => {
      if (inFlight !== undefined) parts.push(await inFlight);
      if (parts.length + 1 > maxParts) {
        throw new StorageError("TooLarge", `The body needs more than ${maxParts} parts of ${options.partSize} bytes (set partSize)`);
      }
      inFlight = upload!.uploadPart(parts.length + 1, bytes);
      inFlight.catch(() => {});
    };
    for (;;) {
      while (buffer.length >= options.partSize) await send(buffer.take(options.partSize));
      const result = await reader.read();
      if (result.done) break;
      buffer.push(result.value);
    }
    if (buffer.length > 0) await send(buffer.take(buffer.length));
    if (inFlight !== undefined) parts.push(await inFlight);
    return await upload.complete(parts);
  } catch (error) {
    reader.cancel(error).catch(() => {});
    if (upload !== undefined) await upload.abort().catch(() => {});
    throw error;
  }
}

/** Chunks read so far, taken out in exact lengths. */
class ChunkBuffer {
  private chunks: Uint8Array[] = [];
  private first = 0;
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.byteLength;
  }

  take(count: number): Uint8Array {
    const out = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[this.first]!;
      const needed = count - filled;
      if (chunk.byteLength <= needed) {
        out.set(chunk, filled);
        filled += chunk.byteLength;
        this.first++;
      } else {
        out.set(chunk.subarray(0, needed), filled);
        filled = count;
        this.chunks[this.first] = chunk.subarray(needed);
      }
    }
    this.length -= count;
    if (this.first > 1024 || this.first === this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
    return out;
  }
}
