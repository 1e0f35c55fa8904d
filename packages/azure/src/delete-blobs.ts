import { StorageError, type DriverDeleteOptions } from "@stowage/core";
import { quoteEtag } from "./blob-info.js";
import type { ReadContext } from "./get-blob.js";
import { mapAzureError } from "./map-azure-error.js";

/**
 * Delete Blob per key, `concurrency` at a time (a missing blob is fine).
 * With `ifMatch` (one key), `If-Match` makes it atomic; a missing blob is
 * then PreconditionFailed.
 */
export async function deleteBlobs(context: ReadContext, keys: string[], options: DriverDeleteOptions, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next++]!;
      await deleteBlob(context, key, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker));
}

async function deleteBlob(context: ReadContext, key: string, options: DriverDeleteOptions): Promise<void> {
  const response = await context.client.request({
    method: "DELETE",
    path: `${context.container}/${key}`,
    headers: { "if-match": options.ifMatch !== undefined ? quoteEtag(options.ifMatch) : undefined },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (response.status === 202 || response.status === 200) {
    await response.body?.cancel();
    return;
  }
  if (response.status === 404 && options.ifMatch === undefined) {
    await response.body?.cancel();
    return;
  }
  const error = await mapAzureError(response, "delete", key);
  if (options.ifMatch !== undefined && (error.code === "NotFound" || error.code === "PreconditionFailed")) {
    throw new StorageError("PreconditionFailed", `${key} does not have etag ${options.ifMatch}`, { cause: error });
  }
  throw error;
}
