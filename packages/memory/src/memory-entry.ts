import { StorageError, type DriverObjectFields, type ObjectInfo } from "@stowage/core";

// Helpers of the memory driver: info copies, the stored fields, cursors.

/** A deep copy of `info`, so callers never share the stored one. */
export function copyInfo(info: ObjectInfo): ObjectInfo {
  const copy: ObjectInfo = {
    key: info.key,
    size: info.size,
    etag: info.etag,
    lastModified: new Date(info.lastModified.getTime()),
    contentType: info.contentType,
    metadata: copyMetadata(info.metadata),
  };
  if (info.cacheControl !== undefined) copy.cacheControl = info.cacheControl;
  if (info.contentDisposition !== undefined) copy.contentDisposition = info.contentDisposition;
  if (info.contentEncoding !== undefined) copy.contentEncoding = info.contentEncoding;
  return copy;
}

export function copyMetadata(metadata: Record<string, string>): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const name in metadata) copy[name] = metadata[name]!;
  return copy;
}

export function encodeCursor(after: string, isPrefix: boolean): string {
  return (isPrefix ? "p:" : "k:") + after;
}

export function decodeCursor(cursor: string): { after: string; prefix: boolean } {
  if (cursor.startsWith("p:")) return { after: cursor.slice(2), prefix: true };
  if (cursor.startsWith("k:")) return { after: cursor.slice(2), prefix: false };
  throw new StorageError("InvalidArgument", "The cursor was not made by the memory driver");
}

/** An own copy of the stored fields of `info` (what a copy keeps, what an upload fixes). */
export function fieldsOf(info: DriverObjectFields): DriverObjectFields {
  const fields: DriverObjectFields = { contentType: info.contentType, metadata: copyMetadata(info.metadata) };
  if (info.cacheControl !== undefined) fields.cacheControl = info.cacheControl;
  if (info.contentDisposition !== undefined) fields.contentDisposition = info.contentDisposition;
  if (info.contentEncoding !== undefined) fields.contentEncoding = info.contentEncoding;
  return fields;
}
