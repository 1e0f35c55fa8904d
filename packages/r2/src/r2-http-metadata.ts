import type { DriverObjectFields } from "@stowage/core";
import type { R2HTTPMetadata } from "@cloudflare/workers-types/2023-07-01";

/** The binding's HTTP metadata for Stowage's stored fields. */
export function httpMetadataOf(fields: Omit<DriverObjectFields, "metadata">): R2HTTPMetadata {
  const http: R2HTTPMetadata = { contentType: fields.contentType };
  if (fields.cacheControl !== undefined) http.cacheControl = fields.cacheControl;
  if (fields.contentDisposition !== undefined) http.contentDisposition = fields.contentDisposition;
  if (fields.contentEncoding !== undefined) http.contentEncoding = fields.contentEncoding;
  return http;
}
