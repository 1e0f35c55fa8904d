import { StorageError, type DriverCopyOptions, type DriverObjectFields, type ObjectInfo } from "@stowage/core";
import { quoteEtag } from "./blob-info.js";
import { getBlob, headBlob } from "./get-blob.js";
import { mapAzureError } from "./map-azure-error.js";
import { metadataHeaders } from "./metadata-names.js";
import { putBlob, type PutContext } from "./put-blob.js";
import { sasSigner, type SasSignerOptions } from "./sas-signer.js";

/** The largest source Copy Blob From URL copies (synchronously); larger ones use Copy Blob. */
export const syncCopyLimit = 256 * 1024 * 1024;

/** How long a copy's source SAS lives: long enough for a 256 MiB copy inside the account. */
const sourceSasSeconds = 15 * 60;

/**
 * Read URLs for the container's blobs, as Copy Blob From URL needs its source
 * authorized even within the account (`inline`: no response-header override,
 * so nothing but the bytes and the source's own fields is copied).
 */
export function copySourceUrls(account: SasSignerOptions, container: string): (key: string) => Promise<string> {
  const signer = sasSigner(account);
  return async (key) => (await signer.signGet(container, key, { expiresAt: new Date(Date.now() + sourceSasSeconds * 1000), inline: true })).url;
}

/**
 * A server-side copy within the account. With the account key, a source up
 * to 256 MiB is copied by Copy Blob From URL (`x-ms-requires-sync`): the
 * target changes only when the copy is complete, as S3's CopyObject. Larger
 * sources, and drivers built on a ready client, use Copy Blob, which Azure
 * may run asynchronously (`x-ms-copy-status: pending`): the driver polls
 * until it ends (honouring the signal). Both keep the source's content type
 * and content-* fields and can only replace the metadata, so a `replace`
 * that changes those fields streams the body through `get` (pinned to the
 * source's etag) into `put` instead.
 */
export async function copyBlob(context: PutContext, from: string, to: string, options: DriverCopyOptions): Promise<ObjectInfo> {
  if (options.replace !== undefined) {
    const source = await headBlob(context, from, options.signal);
    if (source === null) throw new StorageError("NotFound", `${from} does not exist`);
    if (options.ifMatch !== undefined && source.etag !== options.ifMatch) {
      throw new StorageError("PreconditionFailed", `${from} does not have etag ${options.ifMatch}`);
    }
    if (!sameContentFields(source, options.replace)) return streamCopy(context, from, to, source.etag, options.replace, options);
    return serverCopy(context, from, to, { ...options, ifMatch: source.etag }, options.replace.metadata, source.size);
  }
  if (context.sourceUrl === undefined) return serverCopy(context, from, to, options, undefined, undefined);
  // The source's size decides between the synchronous and the asynchronous copy; the copy is pinned to what was seen.
  for (let attempt = 0; ; attempt++) {
    const source = await headBlob(context, from, options.signal);
    if (source === null) throw new StorageError("NotFound", `${from} does not exist`);
    if (options.ifMatch !== undefined && source.etag !== options.ifMatch) {
      throw new StorageError("PreconditionFailed", `${from} does not have etag ${options.ifMatch}`);
    }
    try {
      return await serverCopy(context, from, to, { ...options, ifMatch: source.etag }, undefined, source.size);
    } catch (error) {
      // The source changed between the head and the copy: look again (the caller pinned nothing).
      if (options.ifMatch !== undefined || attempt >= 3 || !(error instanceof StorageError) || error.code !== "PreconditionFailed") throw error;
    }
  }
}

async function serverCopy(
  context: PutContext,
  from: string,
  to: string,
  options: DriverCopyOptions,
  metadata: Record<string, string> | undefined,
  sourceSize: number | undefined,
): Promise<ObjectInfo> {
  const sync = context.sourceUrl !== undefined && sourceSize !== undefined && sourceSize <= syncCopyLimit;
  const headers = new Headers();
  if (metadata !== undefined) {
    metadataHeaders(metadata, headers);
    // No metadata header at all would keep the source's: an empty replacement needs one name Stowage never reads.
    if (Object.keys(metadata).length === 0) headers.set("x-ms-meta-stowage_none", "1");
  }
  const extra: Record<string, string> = {};
  headers.forEach((value, name) => (extra[name] = value));
  const response = await context.client.request({
    method: "PUT",
    path: `${context.container}/${to}`,
    headers: {
      "x-ms-copy-source": sync ? await context.sourceUrl!(from) : context.client.url(`${context.container}/${from}`).href,
      "x-ms-requires-sync": sync ? "true" : undefined,
      "x-ms-source-if-match": options.ifMatch !== undefined ? quoteEtag(options.ifMatch) : undefined,
      "if-none-match": options.ifNotExists ? "*" : undefined,
      ...extra,
    },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (response.status !== 202 && response.status !== 201) {
    const error = await mapAzureError(response, "copy", from);
    const azureCode = response.headers.get("x-ms-error-code");
    if (options.ifNotExists && (azureCode === "TargetConditionNotMet" || azureCode === "BlobAlreadyExists" || (response.status === 412 && azureCode !== "SourceConditionNotMet"))) {
      throw new StorageError("AlreadyExists", `${to} already exists`, { cause: error });
    }
    throw error;
  }
  await response.body?.cancel();
  let status = response.headers.get("x-ms-copy-status");
  for (let wait = 50; status === "pending"; wait = Math.min(wait * 2, 1000)) {
    await pause(wait, options.signal);
    const info = await context.client
      .request({ method: "HEAD", path: `${context.container}/${to}`, ...(options.signal ? { signal: options.signal } : {}) })
      .catch((error: unknown) => {
        throw options.signal?.aborted ? new StorageError("Aborted", "The copy was aborted while Azure was still copying", { cause: error }) : error;
      });
    await info.body?.cancel();
    status = info.headers.get("x-ms-copy-status");
  }
  if (status !== "success") throw new StorageError("Unknown", `azure: copy ${from} to ${to} ended with x-ms-copy-status ${status}`);
  const target = await headBlob(context, to, options.signal);
  if (target === null) throw new StorageError("NotFound", `${to} vanished after the copy`);
  return target;
}

async function streamCopy(
  context: PutContext,
  from: string,
  to: string,
  etag: string,
  fields: DriverObjectFields,
  options: DriverCopyOptions,
): Promise<ObjectInfo> {
  const source = await getBlob(context, from, { ifMatch: etag, ...(options.signal ? { signal: options.signal } : {}) });
  if (source === null) throw new StorageError("NotFound", `${from} does not exist`);
  const body = source.body;
  return putBlob(context, to, body, {
    ...fields,
    size: source.info.size,
    ...(options.ifNotExists ? { ifNotExists: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

function sameContentFields(source: ObjectInfo, fields: DriverObjectFields): boolean {
  return (
    source.contentType === fields.contentType &&
    source.cacheControl === fields.cacheControl &&
    source.contentDisposition === fields.contentDisposition &&
    source.contentEncoding === fields.contentEncoding
  );
}

/** Waits `ms`, or rejects with `Aborted` when the signal aborts first. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => {
      clearTimeout(timer);
      reject(new StorageError("Aborted", "The copy was aborted while Azure was still copying", { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", aborted);
      resolve();
    }, ms);
    if (signal?.aborted) aborted();
    else signal?.addEventListener("abort", aborted, { once: true });
  });
}
