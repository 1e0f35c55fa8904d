import { lutimes } from "node:fs/promises";
import { StorageError, type DriverCompleteUploadOptions, type ObjectInfo } from "@stowage/core";
import { throwIfAborted, type DriverContext } from "./driver-context.js";
import { acquireKeyLock, staleLockMs } from "./key-lock.js";
import { errorCode, mapFsError } from "./map-fs-error.js";
import { entryPath, type DirectoryRef } from "./root-directory.js";
import { openPart } from "./upload-part.js";
import { completionLockName, discardUpload, notFound, openUpload, partTokenBytes, stillStaged } from "./upload-staging.js";
import { putObject, writeBatchBytes } from "./write-object.js";

/** Parts are read into the object in chunks of one write batch of `putObject` (memory stays at a few chunks). */
const chunkBytes = writeBatchBytes;
/**
 * Chunks are read into a ring of this many buffers, reused. Every chunk
 * but the last fills a whole write batch of `putObject`, which writes one
 * chunk while the next is read and lets go of it before it asks for a
 * third: a ring of 4 is never overwritten in use, and a large completion
 * makes no garbage (fresh 1 MiB buffers pile up as external
 * memory until a GC, about 40 MiB for a 64 MiB object).
 */
const ringSize = 4;

/**
 * Completes an upload: under the upload's own lock (so two processes
 * completing the same upload take turns, and the second finds it gone:
 * `NotFound`), the parts stream in order into a put of the key with the
 * fields fixed at creation. The put is the driver's own write path: a
 * temporary file in the key's directory, published in one step (rename,
 * or link(2) for `ifNotExists`, so of racing completions exactly one
 * wins). Only then is the upload taken away, parts and all. With
 * `ifNotExists` on an existing key the upload stays open.
 */
export async function completeUpload(
  context: DriverContext,
  key: string,
  uploadId: string,
  parts: { partNumber: number; etag: string }[],
  options: DriverCompleteUploadOptions,
): Promise<ObjectInfo> {
  throwIfAborted(options.signal, "completeUpload");
  const upload = await openUpload(context, key, uploadId);
  const directory = upload.chain.last;
  const lockPath = entryPath(directory, completionLockName);
  let release: (() => Promise<void>) | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  try {
    try {
      release = await acquireKeyLock(lockPath, options.signal, `of upload ${uploadId}`);
    } catch (error) {
      // Its directory was removed while we waited: another completion or an abort won.
      if (errorCode(error) === "ENOENT") throw notFound(key, uploadId);
      throw error;
    }
    // A long completion keeps its lock fresh, so no waiter takes it for abandoned.
    heartbeat = setInterval(() => {
      const now = new Date();
      lutimes(lockPath, now, now).catch(() => {});
    }, staleLockMs / 6);
    heartbeat.unref();
    if (!(await stillStaged(context, upload))) throw notFound(key, uploadId);
    await checkParts(context, directory, key, parts);
    const { fields } = upload.manifest;
    const info = await putObject(context, key, partsStream(context, directory, key, parts), {
      contentType: fields.contentType,
      metadata: fields.metadata,
      ...(fields.cacheControl === undefined ? {} : { cacheControl: fields.cacheControl }),
      ...(fields.contentDisposition === undefined ? {} : { contentDisposition: fields.contentDisposition }),
      ...(fields.contentEncoding === undefined ? {} : { contentEncoding: fields.contentEncoding }),
      ...(options.ifNotExists ? { ifNotExists: true } : {}),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    await discardUpload(context, upload.chain.levels[1]!, uploadId);
    return info;
  } catch (error) {
    throw mapFsError(error, `completeUpload of ${key}`);
  } finally {
    if (heartbeat !== undefined) clearInterval(heartbeat);
    await release?.();
    await upload.chain.close();
  }
}

/** Every part was staged with the etag given: `InvalidArgument` otherwise, before anything is written. */
async function checkParts(context: DriverContext, directory: DirectoryRef, key: string, parts: { partNumber: number; etag: string }[]): Promise<void> {
  for (const { partNumber, etag } of parts) {
    const opened = await openPart(context, directory, partNumber);
    if (opened === undefined) throw new StorageError("InvalidArgument", `part ${partNumber} was never uploaded`, { key });
    await context.meta.close(opened.descriptor);
    if (opened.etag !== etag) throw new StorageError("InvalidArgument", `part ${partNumber} holds etag ${opened.etag}, not ${etag}`, { key });
  }
}

/**
 * The parts' bodies one after the other, read a chunk at a time as the
 * writer asks for them (constant memory whatever the total). A part
 * replaced since the check (another etag) fails the stream, so the put
 * publishes nothing.
 */
function partsStream(context: DriverContext, directory: DirectoryRef, key: string, parts: { partNumber: number; etag: string }[]): ReadableStream<Uint8Array> {
  let index = 0;
  const ring = Array.from({ length: ringSize }, () => Buffer.allocUnsafe(0));
  let turn = 0;
  let current: { descriptor: number; position: number; end: number } | undefined;
  const closeCurrent = async () => {
    if (current === undefined) return;
    const { descriptor } = current;
    current = undefined;
    await Promise.resolve(context.meta.close(descriptor)).catch(() => {});
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          await pullChunk(controller);
        } catch (error) {
          await closeCurrent();
          throw error;
        }
      },
      async cancel() {
        await closeCurrent();
      },
    },
    { highWaterMark: 0 },
  );

  /** Fills the next ring buffer from as many parts as it takes: every chunk but the last is exactly {@link chunkBytes}. */
  async function pullChunk(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    const slot = turn++ % ringSize;
    if (ring[slot]!.byteLength === 0) ring[slot] = Buffer.allocUnsafe(chunkBytes);
    const buffer = ring[slot]!;
    let filled = 0;
    while (filled < chunkBytes) {
      if (current === undefined) {
        const part = parts[index];
        if (part === undefined) break;
        const opened = await openPart(context, directory, part.partNumber);
        if (opened === undefined || opened.etag !== part.etag) {
          if (opened !== undefined) await context.meta.close(opened.descriptor);
          throw new StorageError("InvalidArgument", `part ${part.partNumber} changed while the upload was being completed`, { key });
        }
        current = { descriptor: opened.descriptor, position: partTokenBytes, end: partTokenBytes + opened.size };
      }
      const wanted = Math.min(chunkBytes - filled, current.end - current.position);
      if (wanted === 0) {
        await closeCurrent();
        index++;
        continue;
      }
      const got = await context.io.read(current.descriptor, buffer, filled, wanted, current.position);
      if (got === 0) throw new StorageError("Unknown", `fs: staged part ${parts[index]!.partNumber} of ${key} ended early`, { key });
      current.position += got;
      filled += got;
    }
    if (filled > 0) controller.enqueue(buffer.subarray(0, filled));
    if (filled < chunkBytes) controller.close();
  }
}
