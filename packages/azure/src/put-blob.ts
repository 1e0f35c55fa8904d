import { putObjectInfo, StorageError, type DriverPutBody, type DriverPutOptions, type ObjectInfo } from "@stowage/core";
import type { AzureRestClient } from "./azure-rest-client.js";
import { blobFieldHeaders, putConditionHeaders, unquoteEtag } from "./blob-info.js";
import { mapAzureError } from "./map-azure-error.js";
import { stagedUpload } from "./staged-upload.js";

/** The largest body sent in one Put Blob; larger or unknown-length bodies go in blocks. */
export const maxSinglePutBytes = 8 * 1024 * 1024;

/** Where a put goes: the client, the container and the block settings. */
export interface PutContext {
  client: AzureRestClient;
  container: string;
  blockSize: number;
  concurrency: number;
  /**
   * A short-lived read URL (a service SAS) for a blob of the container, when
   * the driver holds the account key: lets a copy be Copy Blob From URL, which
   * completes before it answers, instead of the asynchronous Copy Blob.
   */
  sourceUrl?: (key: string) => Promise<string>;
}

/**
 * Stores a body: one Put Blob for a byte array or a stream of known size up
 * to 8 MiB (read whole first, so a body that errors commits nothing), else
 * staged blocks committed by one Put Block List after the body ended cleanly.
 */
export async function putBlob(context: PutContext, key: string, body: DriverPutBody, options: DriverPutOptions): Promise<ObjectInfo> {
  if (body instanceof Uint8Array) return putWhole(context, key, body, options);
  if (options.size !== undefined && options.size <= maxSinglePutBytes) {
    return putWhole(context, key, await readAtMost(body, maxSinglePutBytes), options);
  }
  return stagedUpload(context, key, body, options);
}

/** One Put Blob of `bytes` with the fields and conditions of `options`. */
export async function putWhole(context: PutContext, key: string, bytes: Uint8Array, options: DriverPutOptions): Promise<ObjectInfo> {
  const response = await context.client.request({
    method: "PUT",
    path: `${context.container}/${key}`,
    headers: { "x-ms-blob-type": "BlockBlob", ...blobFieldHeaders(options), ...putConditionHeaders(options) },
    body: bytes,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (response.status !== 201) throw await putError(response, key, options);
  await response.body?.cancel();
  return putObjectInfo(key, storedOf(response, bytes.byteLength), options);
}

/** The size, etag and time a successful write answered. */
export function storedOf(response: Response, size: number): { size: number; etag: string; lastModified: Date } {
  return { size, etag: unquoteEtag(response.headers.get("etag")), lastModified: new Date(response.headers.get("last-modified") ?? Date.now()) };
}

/** The error of a failed conditional write: `If-None-Match: *` failing is AlreadyExists. */
export async function putError(response: Response, key: string, options: { ifNotExists?: boolean; ifMatch?: string }): Promise<StorageError> {
  const error = await mapAzureError(response, "put", key);
  if (options.ifNotExists && (error.code === "PreconditionFailed" || response.status === 409)) {
    return new StorageError("AlreadyExists", `${key} already exists`, { cause: error });
  }
  if (options.ifMatch !== undefined && error.code === "NotFound") {
    return new StorageError("PreconditionFailed", `${key} does not exist, so it does not have etag ${options.ifMatch}`, { cause: error });
  }
  return error;
}

/** Reads a stream to its end into one array (at most `limit` bytes; more is an error). */
export async function readAtMost(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new StorageError("TooLarge", `the body is longer than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
