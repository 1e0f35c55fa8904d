import type { ObjectInfo } from "@stowage/core";

/** Writes one line. */
export function writeLine(stream: NodeJS.WritableStream, line = ""): void {
  stream.write(`${line}\n`);
}

/** Writes a value as JSON on one line (Dates become ISO strings). */
export function writeJson(stream: NodeJS.WritableStream, value: unknown): void {
  stream.write(`${JSON.stringify(value)}\n`);
}

/** An ObjectInfo as plain JSON (Dates as ISO strings, absent fields left out). */
export function infoToJson(info: ObjectInfo): Record<string, unknown> {
  const json: Record<string, unknown> = {
    key: info.key,
    size: info.size,
    etag: info.etag,
    lastModified: info.lastModified.toISOString(),
    contentType: info.contentType,
  };
  if (info.cacheControl !== undefined) json.cacheControl = info.cacheControl;
  if (info.contentDisposition !== undefined) json.contentDisposition = info.contentDisposition;
  if (info.contentEncoding !== undefined) json.contentEncoding = info.contentEncoding;
  json.metadata = info.metadata;
  if (info.expiresAt !== undefined) json.expiresAt = info.expiresAt.toISOString();
  return json;
}

/** A byte count for people: `0 B`, `1.5 KiB`, `12.0 MiB`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
