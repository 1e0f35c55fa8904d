import { StorageError } from "./storage-error.js";
import { utf8Length } from "./compare-utf8.js";
import { describe, isPlainObject } from "./known-options.js";

/** All user metadata together (keys and values, UTF-8 bytes) is at most this. */
export const maxMetadataBytes = 2048;
/** Signed URLs live at least 1 second and at most 7 days (as SigV4 allows). */
export const maxExpiresIn = 604800;
export const defaultExpiresIn = 300;

export function invalid(message: string): StorageError {
  return new StorageError("InvalidArgument", message);
}

/** The metadata field core keeps expiry in (see object-expiry.ts), refused as a caller's key. */
const reservedMetadataKey = "stowage-expires-at";
const metadataKeyPattern = /^[a-z0-9-]+$/;
const printableAscii = /^[\x20-\x7e]*$/;
const token = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const mediaTypePattern = new RegExp(`^${token}/${token}(\\s*;\\s*${token}=(${token}|"[\\x20-\\x7e]*"))*\\s*$`);

/** The metadata budget of a (checked) driver: the portable 2048, or its smaller `maxMetadataBytes`. */
export function metadataLimitOf(driver: { maxMetadataBytes?: number }): number {
  return Math.min(driver.maxMetadataBytes ?? maxMetadataBytes, maxMetadataBytes);
}

/**
 * Checks and copies user metadata: at most `limit` bytes (the portable
 * 2048, or less where the driver declares `maxMetadataBytes`).
 */
export function validateMetadata(metadata: unknown, limit = maxMetadataBytes): Record<string, string> {
  if (metadata === undefined) return {};
  if (!isPlainObject(metadata)) {
    throw invalid(`metadata must be a plain object of string values (got ${describe(metadata)})`);
  }
  const out: Record<string, string> = {};
  let bytes = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!metadataKeyPattern.test(name)) {
      throw invalid(`metadata key ${JSON.stringify(name)} must be lowercase ASCII letters, digits and "-"`);
    }
    if (name === reservedMetadataKey) {
      throw invalid(`metadata key ${JSON.stringify(name)} is reserved for the object's expiry: pass expiresAt or ttlSeconds to put instead`);
    }
    if (typeof value !== "string") throw invalid(`metadata value for ${JSON.stringify(name)} must be a string`);
    if (!printableAscii.test(value)) {
      throw invalid(`metadata value for ${JSON.stringify(name)} must be printable ASCII (it travels as an HTTP header on S3)`);
    }
    if (value !== value.trim()) {
      throw invalid(
        `metadata value for ${JSON.stringify(name)} has leading or trailing spaces (${JSON.stringify(value)}); ` +
          "S3 servers trim them and memory and fs would keep them, so they are refused on every backend: trim the value first",
      );
    }
    bytes += name.length + utf8Length(value);
    out[name] = value;
  }
  if (bytes > limit) {
    const reserved = limit < maxMetadataBytes ? ` on this storage (its driver keeps the rest of the backend's ${maxMetadataBytes} for its own records)` : "";
    throw invalid(`metadata is ${bytes} bytes; at most ${limit} are allowed${reserved}`);
  }
  return out;
}

/** Checks a media type such as `image/png` or `text/plain; charset=utf-8`. */
export function validateContentType(value: unknown, name = "contentType"): string {
  if (typeof value !== "string" || value.length > 256 || !mediaTypePattern.test(value)) {
    throw invalid(`${name} must be a media type such as "image/png" (got ${describe(value)})`);
  }
  return value;
}

/** Checks a header-like value (printable ASCII, at most 1024 characters). */
export function validateHeaderValue(value: unknown, name: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 1024 || !printableAscii.test(value)) {
    throw invalid(`${name} must be 1-1024 printable ASCII characters`);
  }
  return value;
}

/** A boolean option: `true` when set, `false` when left out or `false`; anything else is InvalidArgument. */
export function isFlagSet(value: unknown, name: string): boolean {
  if (value === undefined || value === false) return false;
  if (value !== true) throw invalid(`${name} must be a boolean`);
  return true;
}

export function validateNonNegativeInteger(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${name} must be a non-negative integer (got ${typeof value === "number" ? value : describe(value)})`);
  }
  return value;
}

export function validateSha256(value: unknown): string {
  if (typeof value !== "string" || !/^[0-9a-fA-F]{64}$/.test(value)) {
    throw invalid("sha256 must be 64 hex characters");
  }
  return value.toLowerCase();
}

/** Accepts an etag quoted or not (and a weak `W/` one) and returns it unquoted. */
export function normalizeEtag(value: unknown, name: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 1024 || !printableAscii.test(value)) {
    throw invalid(`${name} must be an etag string`);
  }
  let etag = value.startsWith("W/") ? value.slice(2) : value;
  if (etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"')) etag = etag.slice(1, -1);
  if (etag.length === 0) throw invalid(`${name} must be an etag string`);
  return etag;
}

export function validateExpiresIn(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > maxExpiresIn) {
    throw invalid(`expiresIn must be an integer number of seconds from 1 to ${maxExpiresIn} (7 days)`);
  }
  return value;
}

/** Checks a list prefix or delimiter: any text without control characters, at most 1024 bytes. */
export function validateListText(value: unknown, name: string, allowEmpty: boolean): string {
  if (typeof value !== "string" || (!allowEmpty && value.length === 0) || utf8Length(value) > 1024 || /[\x00-\x1f\x7f]/.test(value)) {
    throw invalid(`${name} must be text without control characters, at most 1024 bytes`);
  }
  if (!isWellFormed(value)) {
    throw invalid(`${name} must be well-formed UTF-16`);
  }
  return value;
}

export function isWellFormed(value: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value);
}
