import { StorageError, type DriverCopyOptions, type ObjectInfo } from "@stowage/core";
import type { R2Bucket, R2Conditional, R2Object, R2ObjectBody, R2PutOptions } from "@cloudflare/workers-types/2023-07-01";
import { toStorageError } from "./r2-errors.js";
import { httpMetadataOf } from "./r2-http-metadata.js";
import { toObjectInfo } from "./r2-object-info.js";
import { fixedLengthPut } from "./fixed-length-put.js";
import { maxParts, maxSinglePutSize, minPartSize, unknownLengthPut } from "./unknown-length-put.js";

export interface R2CopyLimits {
  /** Part size for a source too large for one put. */
  partSize: number;
  /** The largest source copied with one put (R2's limit; lowered in tests). */
  singlePutLimit?: number;
}

/**
 * Copies through the Worker, since the binding has no copy
 * (workerd#1349): the source's body is streamed from `get` into `put`
 * with its known length (a `FixedLengthStream`, committed only after the
 * last byte arrived cleanly), or, above R2's single-put limit, into a
 * multipart upload completed only after the whole body was read.
 *
 * - `ifMatch` pins the `get` to the source's etag (`onlyIf.etagMatches`),
 *   so the bytes copied are that version's, or the copy fails with
 *   `PreconditionFailed`.
 * - `ifNotExists` is the put's `onlyIf: { etagDoesNotMatch: "*" }`: atomic.
 * - Onto the same key (a metadata rewrite), the put is conditional on the
 *   etag that was read, so a concurrent overwrite is never lost
 *   (`PreconditionFailed` instead).
 * - With a signal, the body stream errors on abort, so nothing is committed.
 */
export async function r2Copy(
  bucket: R2Bucket,
  from: string,
  to: string,
  options: DriverCopyOptions,
  limits: R2CopyLimits,
): Promise<ObjectInfo> {
  const onlyIfSource: R2Conditional | undefined = options.ifMatch === undefined ? undefined : { etagMatches: options.ifMatch };
  let source: R2Object | R2ObjectBody | null;
  try {
    source = await bucket.get(from, onlyIfSource === undefined ? {} : { onlyIf: onlyIfSource });
  } catch (error) {
    throw toStorageError(error, "copy");
  }
  if (source === null) throw new StorageError("NotFound", `${from} does not exist`, { key: from });
  if (!("body" in source)) {
    throw new StorageError("PreconditionFailed", `${from} has etag ${source.etag}, not ${options.ifMatch}`, { key: from });
  }
  const body = source.body as ReadableStream<Uint8Array>;
  const putOptions: R2PutOptions = options.replace
    ? { httpMetadata: httpMetadataOf(options.replace), customMetadata: { ...options.replace.metadata } }
    : { httpMetadata: { ...source.httpMetadata }, customMetadata: { ...source.customMetadata } };
  const onlyIf: R2Conditional | undefined = options.ifNotExists
    ? { etagDoesNotMatch: "*" }
    : from === to
      ? { etagMatches: source.etag }
      : undefined;
  if (onlyIf !== undefined) putOptions.onlyIf = onlyIf;
  // R2 checks the copied bytes against the source's MD5 (absent for a multipart source).
  const md5 = source.checksums?.md5;
  if (md5 !== undefined) putOptions.md5 = md5;

  const singlePutLimit = limits.singlePutLimit ?? maxSinglePutSize;
  let object: R2Object | null;
  try {
    if (source.size === 0) {
      await body.cancel().catch(() => {});
      object = (await (bucket.put(to, new Uint8Array(0), putOptions) as Promise<R2Object | null>)) ?? null;
    } else if (source.size <= singlePutLimit) {
      object = await fixedLengthPut(bucket, to, abortable(body, options.signal), source.size, putOptions);
    } else {
      if (onlyIf !== undefined && options.ifNotExists) {
        await body.cancel().catch(() => {});
        throw new StorageError(
          "TooLarge",
          `${from} (${source.size} bytes) is larger than one R2 put (${singlePutLimit} bytes): a multipart upload cannot be create-only, so copy it without ifNotExists`,
          { key: from },
        );
      }
      // Multipart completion takes no condition: a same-key rewrite this large is not guarded.
      delete putOptions.onlyIf;
      delete putOptions.md5;
      const fitting = Math.ceil(source.size / maxParts / minPartSize) * minPartSize;
      object = await unknownLengthPut(bucket, to, abortable(body, options.signal), {
        put: putOptions,
        conditional: false,
        partSize: Math.max(limits.partSize, fitting),
      });
    }
  } catch (error) {
    await body.cancel().catch(() => {});
    throw toStorageError(error, "copy");
  }
  if (object === null) {
    if (options.ifNotExists) throw new StorageError("AlreadyExists", `${to} already exists`, { key: to });
    throw new StorageError("PreconditionFailed", `${to} changed while its metadata was being rewritten`, { key: to });
  }
  return toObjectInfo(object);
}

/**
 * The body, erroring with `Aborted` (instead of ending) when `signal`
 * aborts: the puts commit only after a clean end, so nothing is written.
 */
function abortable(body: ReadableStream<Uint8Array>, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  if (signal === undefined) return body;
  const reader = body.getReader();
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
  const aborted = () => new StorageError("Aborted", "The copy was aborted", { cause: signal.reason });
  const onAbort = () => {
    const error = aborted();
    reader.cancel(error).catch(() => {});
    try {
      controllerRef?.error(error);
    } catch {
      // already closed or errored
    }
  };
  signal.addEventListener("abort", onAbort, { once: true });
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controllerRef = controller;
        if (signal.aborted) onAbort();
      },
      async pull(controller) {
        const result = await reader.read();
        if (signal.aborted) throw aborted();
        if (result.done) {
          signal.removeEventListener("abort", onAbort);
          controller.close();
        } else {
          controller.enqueue(result.value);
        }
      },
      cancel(reason) {
        signal.removeEventListener("abort", onAbort);
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
