import type { ObjectInfo } from "@stowage/core";
import { assertDeepEqual } from "../assert.js";

/** The fields besides the body that copy keeps or replaces. */
export interface StoredFields {
  contentType: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  metadata: Record<string, string>;
}

/** A source with every field set, for the copy, move and updateMetadata cases. */
export const sourceFields: StoredFields = {
  contentType: "text/markdown; charset=utf-8",
  cacheControl: "public, max-age=60",
  contentDisposition: 'attachment; filename="notes.md"',
  contentEncoding: "identity",
  metadata: { author: "ada", "copy-check": "kept" },
};

/** Checks an object's content type, content-* fields and metadata (an absent field must be absent). */
export function assertFields(info: ObjectInfo, expected: StoredFields, message: string): void {
  const actual: StoredFields = { contentType: info.contentType, metadata: info.metadata };
  for (const name of ["cacheControl", "contentDisposition", "contentEncoding"] as const) {
    if (info[name] !== undefined) actual[name] = info[name];
  }
  assertDeepEqual(actual, expected, `${message}: content type, content-* fields and metadata`);
}
