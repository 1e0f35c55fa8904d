import type { DriverObjectFields, ObjectInfo } from "@stowage/core";
import { metadataFromHeaders, metadataHeaders } from "./metadata-names.js";

/** Azure etags are quoted (`"0x8D..."`); Stowage's are not. */
export function unquoteEtag(etag: string | null): string {
  if (etag === null) return "";
  const weak = etag.startsWith("W/") ? etag.slice(2) : etag;
  return weak.length >= 2 && weak.startsWith('"') && weak.endsWith('"') ? weak.slice(1, -1) : weak;
}

/** An unquoted etag as a condition header value. */
export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

/** The object's size: the total of a `Content-Range`, else `Content-Length`. */
export function blobSizeOf(headers: Headers): number {
  const total = /\/(\d+)$/.exec(headers.get("content-range") ?? "")?.[1];
  return Number(total ?? headers.get("content-length") ?? 0);
}

/** ObjectInfo from a Get Blob or Get Blob Properties response. */
export function blobInfoFromHeaders(key: string, headers: Headers): ObjectInfo {
  const info: ObjectInfo = {
    key,
    size: blobSizeOf(headers),
    etag: unquoteEtag(headers.get("etag")),
    lastModified: new Date(headers.get("last-modified") ?? 0),
    contentType: headers.get("content-type") || "application/octet-stream",
    metadata: metadataFromHeaders(headers),
  };
  const cacheControl = headers.get("cache-control");
  const contentDisposition = headers.get("content-disposition");
  const contentEncoding = headers.get("content-encoding");
  if (cacheControl) info.cacheControl = cacheControl;
  if (contentDisposition) info.contentDisposition = contentDisposition;
  if (contentEncoding) info.contentEncoding = contentEncoding;
  return info;
}

/** The `x-ms-blob-*` property headers and `x-ms-meta-*` headers that store these fields. */
export function blobFieldHeaders(fields: DriverObjectFields): Record<string, string | undefined> {
  const headers = new Headers();
  metadataHeaders(fields.metadata, headers);
  const result: Record<string, string | undefined> = {
    "x-ms-blob-content-type": fields.contentType,
    "x-ms-blob-cache-control": fields.cacheControl,
    "x-ms-blob-content-disposition": fields.contentDisposition,
    "x-ms-blob-content-encoding": fields.contentEncoding,
  };
  headers.forEach((value, name) => (result[name] = value));
  return result;
}

/** The conditional headers of a put. */
export function putConditionHeaders(options: { ifNotExists?: boolean; ifMatch?: string }): Record<string, string | undefined> {
  if (options.ifNotExists) return { "if-none-match": "*" };
  if (options.ifMatch !== undefined) return { "if-match": quoteEtag(options.ifMatch) };
  return {};
}
