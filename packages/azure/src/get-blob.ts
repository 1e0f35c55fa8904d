import { StorageError, type DriverGetOptions, type DriverGetResult, type DriverRange, type ObjectInfo } from "@stowage/core";
import type { AzureRestClient } from "./azure-rest-client.js";
import { blobInfoFromHeaders, quoteEtag, unquoteEtag } from "./blob-info.js";
import { mapAzureError } from "./map-azure-error.js";

/** Where reads go. */
export interface ReadContext {
  client: AzureRestClient;
  container: string;
}

/**
 * Get Blob, with `x-ms-range` and `If-Match` / `If-None-Match`. A suffix
 * range has no Azure form (`bytes=-n` is not accepted), so it reads the
 * size first and asks for `bytes=size-n-` under `If-Match` of that etag,
 * retrying when the blob changed in between.
 */
export async function getBlob(context: ReadContext, key: string, options: DriverGetOptions): Promise<DriverGetResult | null> {
  for (let attempt = 0; ; attempt++) {
    let range = options.range;
    let pinnedEtag: string | undefined;
    if (range !== undefined && "suffix" in range) {
      const head = await headBlob(context, key, options.signal);
      if (head === null) return null;
      checkConditions(key, head.etag, options);
      if (head.size === 0) throw new StorageError("RangeNotSatisfiable", `The range is outside ${key} (0 bytes)`);
      const length = Math.min(range.suffix, head.size);
      range = { offset: head.size - length, length };
      pinnedEtag = head.etag;
    }
    const headers: Record<string, string | undefined> = {
      "if-match": options.ifMatch !== undefined ? quoteEtag(options.ifMatch) : pinnedEtag !== undefined ? quoteEtag(pinnedEtag) : undefined,
      "if-none-match": options.ifNoneMatch !== undefined ? quoteEtag(options.ifNoneMatch) : undefined,
      "x-ms-range": range !== undefined ? rangeHeader(range) : undefined,
    };
    const response = await context.client.request({
      method: "GET",
      path: `${context.container}/${key}`,
      headers,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (response.status === 412 && pinnedEtag !== undefined && options.ifMatch === undefined && attempt < 5) {
      await response.body?.cancel();
      continue;
    }
    if (response.status === 412 && options.ifMatch !== undefined) {
      // Azure answers 412 to If-Match on a missing blob; Stowage's answer is null.
      const error = await mapAzureError(response, "get", key);
      if ((await headBlob(context, key, options.signal)) === null) return null;
      throw error;
    }
    if (response.status === 304) {
      await response.body?.cancel();
      throw new StorageError("NotModified", `${key} still has etag ${options.ifNoneMatch}`);
    }
    if (response.status !== 200 && response.status !== 206) {
      const error = await mapAzureError(response, "get", key);
      if (error.code === "RangeNotSatisfiable") {
        throw new StorageError("RangeNotSatisfiable", `The range is outside ${key}`, { cause: error });
      }
      throw error;
    }
    const info = blobInfoFromHeaders(key, response.headers);
    if (range !== undefined && range.offset >= info.size) {
      // Azurite answers 206 with no bytes (and no Content-Range for an empty blob) where Azure answers 416.
      await response.body?.cancel();
      throw new StorageError("RangeNotSatisfiable", `The range is outside ${key} (${info.size} bytes)`);
    }
    const body = response.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
    const result: DriverGetResult = { info, body: body as ReadableStream<Uint8Array> };
    if (range !== undefined) {
      const match = /bytes (\d+)-(\d+)\//.exec(response.headers.get("content-range") ?? "");
      if (match === null) {
        await body.cancel().catch(() => {});
        throw new StorageError("Unknown", `azure: get ${key} answered ${response.status} without a Content-Range`);
      }
      result.range = { offset: Number(match[1]), length: Number(match[2]) - Number(match[1]) + 1 };
    }
    return result;
  }
}

/** Get Blob Properties, or null when the blob does not exist. */
export async function headBlob(context: ReadContext, key: string, signal?: AbortSignal): Promise<ObjectInfo | null> {
  const response = await context.client.request({ method: "HEAD", path: `${context.container}/${key}`, ...(signal ? { signal } : {}) });
  if (response.status === 404) return null;
  if (response.status !== 200) throw await mapAzureError(response, "head", key);
  return blobInfoFromHeaders(key, response.headers);
}

function rangeHeader(range: Exclude<DriverRange, { suffix: number }>): string {
  return range.length === undefined ? `bytes=${range.offset}-` : `bytes=${range.offset}-${range.offset + range.length - 1}`;
}

function checkConditions(key: string, etag: string, options: DriverGetOptions): void {
  if (options.ifMatch !== undefined && unquoteEtag(quoteEtag(options.ifMatch)) !== etag) {
    throw new StorageError("PreconditionFailed", `${key} does not have etag ${options.ifMatch}`);
  }
  if (options.ifNoneMatch !== undefined && options.ifNoneMatch === etag) {
    throw new StorageError("NotModified", `${key} still has etag ${etag}`);
  }
}
