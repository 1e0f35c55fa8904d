import type { CapabilityName } from "./capabilities.js";
import type { DriverGetOptions, DriverListOptions, DriverObjectFields, DriverPutOptions } from "./storage-driver.js";
import type { GetOptions, ListOptions, ObjectFields, PutOptions } from "./storage-types.js";
import { assertKnownOptions, describe } from "./known-options.js";
import { throwIfAborted, validateSignal } from "./abort-signal.js";
import { normalizeObjectFields } from "./object-fields.js";
import {
  invalid,
  isFlagSet,
  normalizeEtag,
  validateContentType,
  validateHeaderValue,
  validateMetadata,
  validateNonNegativeInteger,
  validateListText,
  validateSha256,
} from "./validate-options.js";

/** Throws `Unsupported` unless the driver claims `capability`; `option` names what the caller asked for. */
export type RequireCapability = (capability: CapabilityName, option: string) => void;

/** The options each operation accepts; any other key is refused, never dropped. */
export const putOptionNames = [
  "contentType",
  "cacheControl",
  "contentDisposition",
  "contentEncoding",
  "metadata",
  "ifNotExists",
  "ifMatch",
  "size",
  "sha256",
  "expiresAt",
  "ttlSeconds",
  "signal",
] as const;
export const getOptionNames = ["range", "ifMatch", "ifNoneMatch", "signal"] as const;
export const headOptionNames = ["signal"] as const;
export const deleteOptionNames = ["signal", "ifMatch"] as const;
export const existsOptionNames = ["signal"] as const;
export const listOptionNames = ["prefix", "delimiter", "cursor", "limit", "startAfter", "signal"] as const;
export const objectFieldNames = ["contentType", "cacheControl", "contentDisposition", "contentEncoding", "metadata"] as const;
export const copyOptionNames = [...objectFieldNames, "ifMatch", "ifNotExists", "signal"] as const;
export const moveOptionNames = ["ifMatch", "ifNotExists", "signal"] as const;
export const updateMetadataOptionNames = ["ifMatch", "signal"] as const;
export const deletePrefixOptionNames = ["all", "signal", "onProgress"] as const;
export const sweepExpiredOptionNames = ["prefix", "signal", "onProgress"] as const;
export const signPutOptionNames = ["expiresIn", "contentType", "size", "maxSize", "oneTime", "ifNotExists"] as const;
export const signGetOptionNames = ["expiresIn", "downloadFilename", "responseContentType", "inline"] as const;
export const storageOptionNames = ["clock", "defaultExpiresIn", "publicBaseUrl"] as const;

/** Checks the put options and turns them into what the driver receives. */
export function normalizePutOptions(options: PutOptions, require: RequireCapability, metadataLimit?: number): DriverPutOptions {
  assertKnownOptions(options, putOptionNames, "put options");
  const out: DriverPutOptions = {
    contentType: options.contentType === undefined ? "application/octet-stream" : validateContentType(options.contentType),
    metadata: validateMetadata(options.metadata, metadataLimit),
  };
  if (options.cacheControl !== undefined) out.cacheControl = validateHeaderValue(options.cacheControl, "cacheControl");
  if (options.contentDisposition !== undefined) {
    out.contentDisposition = validateHeaderValue(options.contentDisposition, "contentDisposition");
  }
  if (options.contentEncoding !== undefined) out.contentEncoding = validateHeaderValue(options.contentEncoding, "contentEncoding");
  if (options.size !== undefined) out.size = validateNonNegativeInteger(options.size, "size");
  if (options.sha256 !== undefined) {
    require("sha256", "sha256");
    out.sha256 = validateSha256(options.sha256);
  }
  if (isFlagSet(options.ifNotExists, "ifNotExists")) {
    require("putIfNotExists", "ifNotExists");
    out.ifNotExists = true;
  }
  if (options.ifMatch !== undefined) {
    if (out.ifNotExists) throw invalid("ifNotExists and ifMatch cannot be combined");
    require("putIfMatch", "ifMatch");
    out.ifMatch = normalizeEtag(options.ifMatch, "ifMatch");
  }
  const signal = validateSignal(options.signal);
  if (signal !== undefined) out.signal = signal;
  return out;
}

/** Checks the get options and turns them into what the driver receives. */
export function normalizeGetOptions(options: GetOptions, require: RequireCapability): DriverGetOptions {
  assertKnownOptions(options, getOptionNames, "get options");
  const out: DriverGetOptions = {};
  if (options.range !== undefined) {
    require("rangeRead", "range");
    out.range = validateRange(options.range);
  }
  if (options.ifMatch !== undefined) {
    require("conditionalGet", "ifMatch");
    out.ifMatch = normalizeEtag(options.ifMatch, "ifMatch");
  }
  if (options.ifNoneMatch !== undefined) {
    require("conditionalGet", "ifNoneMatch");
    out.ifNoneMatch = normalizeEtag(options.ifNoneMatch, "ifNoneMatch");
  }
  const signal = validateSignal(options.signal);
  if (signal !== undefined) out.signal = signal;
  return out;
}

export function validateRange(range: unknown): DriverGetOptions["range"] {
  if (typeof range !== "object" || range === null) throw invalid("range must be { offset, length? } or { suffix }");
  assertKnownOptions(range, ["offset", "length", "suffix"], "range");
  const value = range as { offset?: unknown; length?: unknown; suffix?: unknown };
  if ("suffix" in value && value.suffix !== undefined) {
    if (value.offset !== undefined || value.length !== undefined) throw invalid("a suffix range takes no offset or length");
    const suffix = validateNonNegativeInteger(value.suffix, "range.suffix");
    if (suffix === 0) throw invalid("range.suffix must be at least 1");
    return { suffix };
  }
  const offset = validateNonNegativeInteger(value.offset, "range.offset");
  if (value.length === undefined) return { offset };
  const length = validateNonNegativeInteger(value.length, "range.length");
  if (length === 0) throw invalid("range.length must be at least 1");
  return { offset, length };
}

/** The ifMatch, ifNotExists and signal options of copy, move and updateMetadata, checked. */
export function normalizeConditions(
  options: { ifMatch?: unknown; ifNotExists?: unknown; signal?: unknown },
  operation: string,
): { ifMatch?: string; ifNotExists?: boolean; signal?: AbortSignal } {
  const out: { ifMatch?: string; ifNotExists?: boolean; signal?: AbortSignal } = {};
  if (options.ifMatch !== undefined) out.ifMatch = normalizeEtag(options.ifMatch, "ifMatch");
  if (isFlagSet(options.ifNotExists, "ifNotExists")) out.ifNotExists = true;
  if (out.ifMatch !== undefined && out.ifNotExists) throw invalid("ifNotExists and ifMatch cannot be combined");
  const signal = validateSignal(options.signal);
  throwIfAborted(signal, operation);
  if (signal !== undefined) out.signal = signal;
  return out;
}

/** The fields to replace, as a spreadable request part (nothing when none was given). */
export function changesOf(fields: ObjectFields, metadataLimit?: number): { changes?: Partial<DriverObjectFields> } {
  const changes = normalizeObjectFields(fields, metadataLimit);
  return changes === undefined ? {} : { changes };
}

/** Checks the list options (except the signal) and turns them into what the driver receives. */
export function normalizeListOptions(options: ListOptions, require: RequireCapability): DriverListOptions {
  assertKnownOptions(options, listOptionNames, "list options");
  const prefix = options.prefix === undefined ? "" : validateListText(options.prefix, "prefix", true);
  const limit = options.limit === undefined ? 1000 : options.limit;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw invalid(`limit must be an integer from 1 to 1000 (got ${typeof limit === "number" ? limit : describe(limit)})`);
  }
  const out: DriverListOptions = { prefix, limit };
  if (options.delimiter !== undefined) {
    require("listDelimiter", "delimiter");
    out.delimiter = validateListText(options.delimiter, "delimiter", false);
  }
  if (options.cursor !== undefined) {
    if (typeof options.cursor !== "string" || options.cursor.length === 0) {
      throw invalid("cursor must be the non-empty string a previous list page returned");
    }
    out.cursor = options.cursor;
  }
  if (options.startAfter !== undefined) {
    require("listStartAfter", "startAfter");
    const startAfter = validateListText(options.startAfter, "startAfter", false);
    // A cursor already resumes past startAfter.
    if (out.cursor === undefined) out.startAfter = startAfter;
  }
  return out;
}
