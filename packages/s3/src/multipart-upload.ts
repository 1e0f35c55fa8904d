import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type CompletedPart,
  type PutObjectCommandInput,
} from "@aws-sdk/client-s3";
import { StorageError, type DriverPutOptions, type ObjectInfo } from "@stowage/core";
import { AbortScope, waitUnlessAborted } from "./abort-scope.js";
import { headObject } from "./get-object.js";
import { mapS3Error } from "./map-s3-error.js";
import { PartBufferPool } from "./part-buffer-pool.js";
import type { PartReader } from "./part-reader.js";
import { computePartSize, maxParts } from "./part-size.js";
import { conditionalHeaders, infoAfterPut, type S3Writer } from "./s3-writer.js";
import { unquoteEtag } from "./unquote-etag.js";

/**
 * Once the caller's signal has aborted, a failed upload waits at most this
 * long for its AbortMultipartUpload before it rejects; the abort goes on in
 * the background (bounded by the cleanup timeout), and if it fails the upload
 * is recorded for `cleanup`.
 */
export const abortedCleanupGraceMs = 250;

/**
 * Part buffers beyond `queueSize`. With none, the next part is read once a
 * send settled (its buffer is the one freed); one spare would read it while
 * `queueSize` parts are sent, for 1 part of memory more. Reading a part takes
 * milliseconds against a send's ~100 ms, and on RGW (1 GiB in 8 MiB parts,
 * 4 at a time) both kept 3.9-4 parts in flight, so there is no spare.
 */
export const sparePartBuffers = 0;

/**
 * Uploads the rest of `reader` as a multipart upload, `queueSize` parts at a
 * time, and completes it only after the body ended cleanly. On any failure
 * (the stream, a part, the signal) the parts in flight are stopped and the
 * upload is aborted, so no partial object appears.
 *
 * Parts are assembled in at most `queueSize` (+ `sparePartBuffers`) reused
 * buffers, allocated as needed; a buffer is reused only after the UploadPart
 * sent from it settled (so a retry resends intact bytes), and never after a
 * failure. Waiting for a free buffer is the reader's back-pressure.
 */
export async function multipartUpload(
  writer: S3Writer,
  key: string,
  params: PutObjectCommandInput,
  reader: PartReader,
  options: DriverPutOptions,
): Promise<ObjectInfo> {
  const partSize = computePartSize(options.size, writer.partSize);
  const pool = new PartBufferPool(partSize, writer.queueSize + sparePartBuffers);
  // Aborts with the caller's signal, or when this upload gives up.
  const scope = new AbortScope(options.signal);
  const abortSignal = scope.signal;
  const tracked = writer.uploads.begin(key);
  const parts: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let size = 0;
  let completed = false;
  try {
    const created = await writer.client.send(new CreateMultipartUploadCommand(params), { abortSignal });
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new StorageError("Unknown", "CreateMultipartUpload returned no UploadId");
    tracked.uploadId = uploadId;
    let partNumber = 0;
    for (;;) {
      if (failure !== undefined) break;
      const part = await reader.nextPart(pool);
      if (part === undefined) break;
      partNumber++;
      if (partNumber > maxParts) {
        throw new StorageError("TooLarge", `The body needs more than ${maxParts} parts of ${partSize} bytes; pass size as a hint`);
      }
      // With a spare buffer, the part was read while queueSize parts were in flight.
      while (inFlight.size >= writer.queueSize) await Promise.race(inFlight);
      if (failure !== undefined) break;
      const body = part.bytes;
      size += body.byteLength;
      const number = partNumber;
      const upload: Promise<void> = writer.client
        .send(
          new UploadPartCommand({
            Bucket: writer.bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: number,
            Body: body,
            ContentLength: body.byteLength,
          }),
          { abortSignal },
        )
        .then((output) => {
          parts.push({ PartNumber: number, ETag: output.ETag });
        })
        .catch((error: unknown) => {
          if (failure === undefined) failure = error;
          // Parts still in flight keep their buffers; a reader waiting for one gives up.
          pool.close(error);
        })
        .finally(() => {
          inFlight.delete(upload);
          if (part.buffer !== undefined) pool.release(part.buffer);
        });
      inFlight.add(upload);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    if (!reader.finished) throw new StorageError("Unknown", "The body did not end cleanly");
    if (options.signal?.aborted) throw new StorageError("Aborted", "The put was aborted", { cause: options.signal.reason });
    parts.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    const output = await writer.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: writer.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
        ...(writer.profile.conditionalMultipartComplete ? conditionalHeaders(writer, options) : {}),
      }),
      { abortSignal },
    );
    completed = true;
    let etag = unquoteEtag(output.ETag);
    if (etag === "" || writer.profile.emptyEtagAfterMultipart) {
      const head = await headObject(writer, key, { signal: options.signal });
      if (head !== null) etag = head.etag;
    }
    return infoAfterPut(key, size, etag, options);
  } catch (error) {
    // Stop the parts in flight (their buffers are never reused), and the body.
    pool.close(error);
    scope.abort(error);
    void reader.cancel(error);
    const uploadId = completed ? undefined : tracked.uploadId;
    const cleanup = (async () => {
      await waitUnlessAborted(Promise.allSettled(inFlight), abortSignal, writer.uploads.cleanupMs);
      if (uploadId !== undefined) await writer.uploads.abort({ key, uploadId });
    })();
    await waitUnlessAborted(cleanup, options.signal, abortedCleanupGraceMs);
    throw mapS3Error(error, { ifNotExists: options.ifNotExists === true });
  } finally {
    scope.dispose();
    writer.uploads.end(tracked);
  }
}
