import type { DriverObjectFields } from "./storage-driver.js";
import type { ObjectFields, ObjectInfo } from "./storage-types.js";
import { validateContentType, validateHeaderValue, validateMetadata } from "./validate-options.js";

/** The fields a caller gave (validated), or `undefined` when none was given. */
export function normalizeObjectFields(fields: ObjectFields, metadataLimit?: number): Partial<DriverObjectFields> | undefined {
  const out: Partial<DriverObjectFields> = {};
  let given = false;
  if (fields.contentType !== undefined) {
    out.contentType = validateContentType(fields.contentType);
    given = true;
  }
  if (fields.metadata !== undefined) {
    out.metadata = validateMetadata(fields.metadata, metadataLimit);
    given = true;
  }
  for (const name of ["cacheControl", "contentDisposition", "contentEncoding"] as const) {
    if (fields[name] !== undefined) {
      out[name] = validateHeaderValue(fields[name], name);
      given = true;
    }
  }
  return given ? out : undefined;
}

/** The source's fields with `changes` applied: what a copy with replacement stores. */
export function mergeObjectFields(source: ObjectInfo, changes: Partial<DriverObjectFields>): DriverObjectFields {
  const merged: DriverObjectFields = {
    contentType: changes.contentType ?? source.contentType,
    metadata: { ...(changes.metadata ?? source.metadata) },
  };
  for (const name of ["cacheControl", "contentDisposition", "contentEncoding"] as const) {
    const value = changes[name] ?? source[name];
    if (value !== undefined) merged[name] = value;
  }
  return merged;
}
