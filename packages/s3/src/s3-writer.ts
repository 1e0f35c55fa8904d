import { putObjectInfo, type DriverPutOptions, type ObjectInfo } from "@stowage/core";
import type { S3Context } from "./s3-context.js";
import type { UploadRegistry } from "./upload-registry.js";

/** How the driver writes: its size limits and its record of multipart uploads. */
export interface S3Writer extends S3Context {
  readonly uploads: UploadRegistry;
  readonly multipartThreshold: number;
  readonly partSize: number;
  readonly queueSize: number;
  readonly conditionalPutLimit: number;
  /** Sources larger than this are copied part by part (UploadPartCopy). */
  readonly multipartCopyThreshold: number;
}

/** The If-None-Match / If-Match headers of a conditional put, quoted as the profile says. */
export function conditionalHeaders(writer: S3Context, options: DriverPutOptions): { IfNoneMatch?: string; IfMatch?: string } {
  if (options.ifNotExists) return { IfNoneMatch: "*" };
  if (options.ifMatch !== undefined) return { IfMatch: writer.profile.ifMatchQuoted ? `"${options.ifMatch}"` : options.ifMatch };
  return {};
}

/** The ObjectInfo of a put that just succeeded. */
export function infoAfterPut(key: string, size: number, etag: string, options: DriverPutOptions): ObjectInfo {
  return putObjectInfo(key, { size, etag, lastModified: new Date(Math.floor(Date.now() / 1000) * 1000) }, options);
}
