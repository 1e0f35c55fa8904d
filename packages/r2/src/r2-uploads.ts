import {
  StorageError,
  readAll,
  throwIfAborted,
  type DriverCompleteUploadOptions,
  type DriverCreateUploadOptions,
  type DriverListUploadsOptions,
  type DriverOperationOptions,
  type DriverPutBody,
  type DriverUploadPartOptions,
  type ObjectInfo,
  type UploadedPart,
  type UploadListing,
} from "@stowage/core";
import type { R2Bucket, R2UploadedPart } from "@cloudflare/workers-types/2023-07-01";
import { toStorageError } from "./r2-errors.js";
import { toObjectInfo } from "./r2-object-info.js";
import { httpMetadataOf } from "./r2-http-metadata.js";
import { sendFixedLength } from "./fixed-length-put.js";
import { R2UploadRegistry } from "./r2-upload-registry.js";
import { maxParts } from "./unknown-length-put.js";

/** Lists an upload's parts some other way than the registry (native mode: R2's S3 ListParts). */
export type PartLister = (key: string, uploadId: string, options: DriverOperationOptions) => Promise<UploadedPart[]>;

/**
 * Multipart upload sessions over the binding's `createMultipartUpload` and
 * `resumeMultipartUpload`. The binding cannot list uploads or parts, so
 * each upload, and each part stored through `uploadPart`, is recorded in an
 * `R2UploadRegistry` (invisible objects under `__stowage/uploads/`).
 * Parts stay invisible until `complete`, which R2 makes atomic.
 */
export class R2Uploads {
  private readonly registry: R2UploadRegistry;

  constructor(
    private readonly bucket: R2Bucket,
    private readonly partLister?: PartLister,
  ) {
    this.registry = new R2UploadRegistry(bucket);
  }

  /** Starts an upload with the object's fields (fixed now) and records it. */
  async create(key: string, options: DriverCreateUploadOptions): Promise<{ uploadId: string }> {
    throwIfAborted(options.signal, "createUpload");
    let uploadId: string;
    try {
      const upload = await this.bucket.createMultipartUpload(key, {
        httpMetadata: httpMetadataOf(options),
        customMetadata: { ...options.metadata },
      });
      uploadId = upload.uploadId;
    } catch (error) {
      throw toStorageError(error, "createUpload");
    }
    try {
      await this.registry.register(key, uploadId, new Date());
    } catch (error) {
      await this.bucket.resumeMultipartUpload(key, uploadId).abort().catch(() => {});
      throw error;
    }
    return { uploadId };
  }

  /**
   * Stores part `partNumber` through the binding (gateway mode: the part
   * URL's PUT, served by `@stowage/http`). The binding needs the body's
   * length: with `size` the stream goes through a `FixedLengthStream` whose
   * last chunk is held back until the stream ended cleanly, so a body that
   * errors, or has another length, stores no part; without it the part is
   * read into memory first. Only then is the part recorded.
   */
  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: DriverPutBody,
    options: DriverUploadPartOptions = {},
  ): Promise<{ etag: string; size: number }> {
    if (!Number.isSafeInteger(partNumber) || partNumber < 1 || partNumber > maxParts) {
      throw new StorageError("InvalidArgument", `partNumber must be a whole number from 1 to ${maxParts} on R2 (got ${String(partNumber)})`, { key });
    }
    throwIfAborted(options.signal, "uploadPart");
    await this.registry.find(key, uploadId);
    const upload = this.bucket.resumeMultipartUpload(key, uploadId);
    // Only the binding's errors are mapped: a body's own error passes through unchanged.
    const send = (value: Uint8Array | ReadableStream<Uint8Array>) =>
      upload.uploadPart(partNumber, value as never).catch((error: unknown) => {
        throw toStorageError(error, "uploadPart");
      });
    let uploaded: R2UploadedPart;
    let size: number;
    if (body instanceof Uint8Array || options.size === undefined) {
      const bytes = body instanceof Uint8Array ? body : await readAll(abortable(body, options.signal));
      throwIfAborted(options.signal, "uploadPart");
      if (options.size !== undefined && bytes.byteLength !== options.size) {
        throw new StorageError("InvalidArgument", `The part has ${bytes.byteLength} bytes but must have ${options.size}`, { key });
      }
      size = bytes.byteLength;
      uploaded = await send(bytes);
    } else {
      size = options.size;
      uploaded = await sendFixedLength(abortable(body, options.signal), size, send);
    }
    const etag = unquote(uploaded.etag);
    await this.registry.recordPart(uploadId, partNumber, { etag, size });
    // Completed or aborted while the part was sent: drop the record it just left behind.
    await this.registry.find(key, uploadId).catch(async (error: unknown) => {
      await this.registry.forgetPart(uploadId, partNumber).catch(() => {});
      throw error;
    });
    return { etag, size };
  }

  /** The parts stored so far, ascending; `NotFound` for an upload that is not in progress. */
  async listParts(key: string, uploadId: string, options: DriverOperationOptions = {}): Promise<UploadedPart[]> {
    throwIfAborted(options.signal, "listUploadParts");
    await this.registry.find(key, uploadId);
    return this.partLister ? this.partLister(key, uploadId, options) : this.registry.parts(uploadId);
  }

  /** Completes through the binding (one atomic step in R2), then forgets the upload. */
  async complete(
    key: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
    options: DriverCompleteUploadOptions = {},
  ): Promise<ObjectInfo> {
    throwIfAborted(options.signal, "completeUpload");
    if (options.ifNotExists) {
      // Storage never passes it (uploadIfNotExists is off); a direct caller is refused, never served non-atomically.
      throw new StorageError("Unsupported", "The R2 binding's multipart complete() takes no condition, so a create-only completion cannot be atomic", { key });
    }
    await this.registry.find(key, uploadId);
    const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    let info: ObjectInfo;
    try {
      info = toObjectInfo(await this.bucket.resumeMultipartUpload(key, uploadId).complete(ordered));
    } catch (error) {
      throw toStorageError(error, "completeUpload");
    }
    await this.registry.forget(uploadId).catch(() => {});
    return info;
  }

  /** Aborts through the binding and forgets the upload; an upload that is gone is fine. */
  async abort(key: string, uploadId: string, options: DriverOperationOptions = {}): Promise<void> {
    throwIfAborted(options.signal, "abortUpload");
    try {
      await this.registry.find(key, uploadId);
    } catch (error) {
      // Gone already (or of another key, which is never touched).
      if (error instanceof StorageError && error.code === "NotFound") return;
      throw error;
    }
    try {
      await this.bucket.resumeMultipartUpload(key, uploadId).abort();
    } catch (error) {
      const mapped = toStorageError(error, "abortUpload");
      if (mapped.code !== "NotFound") throw mapped;
    }
    await this.registry.forget(uploadId);
  }

  /** The recorded uploads in progress under `prefix`. */
  async list(options: DriverListUploadsOptions): Promise<UploadListing[]> {
    throwIfAborted(options.signal, "listUploads");
    return this.registry.list(options.prefix);
  }
}

function unquote(etag: string): string {
  return etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"') ? etag.slice(1, -1) : etag;
}

/**
 * `source`, erroring with the signal's reason as soon as it aborts, even
 * while a read is pending (a stalled client), and cancelling `source`.
 */
function abortable(source: ReadableStream<Uint8Array>, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  if (signal === undefined) return source;
  const reader = source.getReader();
  let onAbort: (() => void) | undefined;
  const done = () => {
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        onAbort = () => {
          done();
          controller.error(signal.reason);
          reader.cancel(signal.reason).catch(() => {});
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort);
      },
      async pull(controller) {
        try {
          const result = await reader.read();
          if (signal.aborted) return;
          if (result.done) {
            done();
            controller.close();
          } else controller.enqueue(result.value);
        } catch (error) {
          done();
          if (!signal.aborted) controller.error(error);
        }
      },
      cancel(reason) {
        done();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
