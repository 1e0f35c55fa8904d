import type { DriverPutOptions } from "./storage-driver.js";
import type { ObjectInfo } from "./storage-types.js";

/**
 * The `ObjectInfo` a driver returns from `put`: the stored content type,
 * content-* fields and a copy of the metadata, with the size, etag and time
 * the driver knows.
 */
export function putObjectInfo(
  key: string,
  stored: { size: number; etag: string; lastModified: Date },
  options: DriverPutOptions,
): ObjectInfo {
  const info: ObjectInfo = {
    key,
    size: stored.size,
    etag: stored.etag,
    lastModified: stored.lastModified,
    contentType: options.contentType,
    metadata: { ...options.metadata },
  };
  if (options.cacheControl !== undefined) info.cacheControl = options.cacheControl;
  if (options.contentDisposition !== undefined) info.contentDisposition = options.contentDisposition;
  if (options.contentEncoding !== undefined) info.contentEncoding = options.contentEncoding;
  return info;
}
