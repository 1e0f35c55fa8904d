import { StorageError, type DriverCopyOptions, type DriverObjectFields, type ObjectInfo } from "@stowage/core";
import { quoteEtag } from "./blob-info.js";
import { getBlob, headBlob } from "./get-blob.js";
import { mapAzureError } from "./map-azure-error.js";
import { metadataHeaders } from "./metadata-names.js";
import { putBlob, type PutContext } from "./put-blob.js";

/**
 * Copy Blob within the account (the service copies; same-account copies
 * complete synchronously, `x-ms-copy-status: success`). Copy Blob keeps the
 * source's content type and content-* fields and can only replace the
 * metadata, so a `replace` that changes those fields streams the body
 * through `get` (pinned to the source's etag) into `put` instead.
 */
export async function copyBlob(context: PutContext, from: string, to: string, options: DriverCopyOptions): Promise<ObjectInfo> {
  if (options.replace !== undefined) {
    const source = await headBlob(context, from, options.signal);
    if (source === null) throw new StorageError("NotFound", `${from} does not exist`);
    if (options.ifMatch !== undefined && source.etag !== options.ifMatch) {
      throw new StorageError("PreconditionFailed", `${from} does not have etag ${options.ifMatch}`);
    }
    if (!sameContentFields(source, options.replace)) return streamCopy(context, from, to, source.etag, options.replace, options);
    return serverCopy(context, from, to, { ...options, ifMatch: source.etag }, options.replace.metadata);
  }
  return serverCopy(context, from, to, options, undefined);
}

async function serverCopy(
  context: PutContext,
  from: string,
  to: string,
  options: DriverCopyOptions,
  metadata: Record<string, string> | undefined,
): Promise<ObjectInfo> {
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
      "x-ms-copy-source": context.client.url(`${context.container}/${from}`).href,
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
    await new Promise((resolve) => setTimeout(resolve, wait));
    const info = await context.client.request({ method: "HEAD", path: `${context.container}/${to}` });
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

