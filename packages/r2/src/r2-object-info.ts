import type { ObjectInfo } from "@stowage/core";
import type { R2Object } from "@cloudflare/workers-types/2023-07-01";

/** The Stowage view of an R2 object. */
export function toObjectInfo(object: R2Object): ObjectInfo {
  const http = object.httpMetadata ?? {};
  const info: ObjectInfo = {
    key: object.key,
    size: object.size,
    etag: object.etag,
    lastModified: new Date(object.uploaded.getTime()),
    contentType: http.contentType ?? "application/octet-stream",
    metadata: { ...object.customMetadata },
  };
  if (http.cacheControl !== undefined) info.cacheControl = http.cacheControl;
  if (http.contentDisposition !== undefined) info.contentDisposition = http.contentDisposition;
  if (http.contentEncoding !== undefined) info.contentEncoding = http.contentEncoding;
  return info;
}
