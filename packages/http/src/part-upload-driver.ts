import type { DriverPutBody, StorageDriver } from "@stowage/core";

/**
 * A driver whose upload-part URLs `createSignedUrlHandler` serves (memory,
 * fs): besides the multipart methods of `StorageDriver`, it stores a part.
 *
 * `uploadPart` stores part `partNumber` of an upload, replacing an earlier
 * upload of that part, and returns the part's unquoted etag and its size.
 *
 * - Parts MUST be staged invisibly: never listed, never readable through
 *   `get` or `head`, until `completeUpload` makes the object visible.
 * - A body that errors, or a `signal` that aborts, MUST leave no partial
 *   part (an earlier upload of the same part stays as it was), and MUST
 *   reject with the stream's error.
 * - With `size`, MUST reject a body of another length and store nothing.
 * - An unknown upload (never created, completed or aborted) MUST reject
 *   with `NotFound`.
 */
export interface PartUploadDriver extends StorageDriver {
  uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: DriverPutBody,
    options: { size?: number; signal?: AbortSignal },
  ): Promise<{ etag: string; size: number }>;
}

/** True when `driver` can store parts for the handler. */
export function canUploadParts(driver: StorageDriver): driver is PartUploadDriver {
  return typeof (driver as Partial<PartUploadDriver>).uploadPart === "function";
}
