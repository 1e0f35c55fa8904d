import type { KvBackendLimits } from "./kv-backend.js";
import { kvError } from "./kv-errors.js";
import { strictJson } from "./kv-json.js";

const encoder = new TextEncoder();
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** UTF-8 length of `text`. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).byteLength;
}

/** Throws `InvalidArgument` unless `key` is a non-empty string within `limits.maxKeyBytes`. */
export function validateKey(key: unknown, limits: KvBackendLimits, operation: string): asserts key is string {
  if (typeof key !== "string") throw kvError("InvalidArgument", `a key must be a string (got ${typeof key})`, operation);
  if (key.length === 0) throw kvError("InvalidArgument", "a key must not be empty", operation, key);
  if (loneSurrogate.test(key)) throw kvError("InvalidArgument", "a key must be well-formed UTF-16 (a lone surrogate has no UTF-8 form)", operation, key);
  // A UTF-16 unit is at most 3 bytes of UTF-8: short keys need no encoding.
  if (key.length * 3 <= limits.maxKeyBytes) return;
  const bytes = utf8Bytes(key);
  if (bytes > limits.maxKeyBytes) {
    throw kvError("InvalidArgument", `a key must be at most ${limits.maxKeyBytes} bytes of UTF-8 here (got ${bytes}); shorten it or hash it`, operation, key);
  }
}

/** A whole number of seconds, at least `limits.minTtlSeconds`; never rounded. */
export function validateTtl(ttlSeconds: unknown, limits: KvBackendLimits, what: string, operation: string, key?: string): number {
  if (typeof ttlSeconds !== "number" || !Number.isInteger(ttlSeconds) || ttlSeconds < limits.minTtlSeconds) {
    throw kvError(
      "InvalidArgument",
      `${what} must be a whole number of seconds, at least ${limits.minTtlSeconds} on this backend (got ${describe(ttlSeconds)}); it is never rounded`,
      operation,
      key,
    );
  }
  return ttlSeconds;
}

/** The expiry of one put: from `ttlSeconds`, `expiresAt`, or the Kv's default TTL; `undefined` when none. */
export function resolveExpiry(
  options: { ttlSeconds?: unknown; expiresAt?: unknown },
  defaultTtlSeconds: number | undefined,
  limits: KvBackendLimits,
  now: number,
  key: string,
): Date | undefined {
  const { ttlSeconds, expiresAt } = options;
  if (ttlSeconds !== undefined && expiresAt !== undefined) {
    throw kvError("InvalidArgument", "put takes ttlSeconds or expiresAt, not both; pass one", "put", key);
  }
  if (expiresAt !== undefined) {
    if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) {
      throw kvError("InvalidArgument", `expiresAt must be a valid Date (got ${describe(expiresAt)})`, "put", key);
    }
    const earliest = now + limits.minTtlSeconds * 1000;
    if (expiresAt.getTime() < earliest) {
      throw kvError(
        "InvalidArgument",
        `expiresAt ${expiresAt.toISOString()} is too soon: it must be at least ${limits.minTtlSeconds} s after now (${new Date(now).toISOString()}) on this backend`,
        "put",
        key,
      );
    }
    return new Date(expiresAt.getTime());
  }
  const seconds = ttlSeconds ?? defaultTtlSeconds;
  if (seconds === undefined) return undefined;
  return new Date(now + validateTtl(seconds, limits, "ttlSeconds", "put", key) * 1000);
}

/** The metadata's JSON text, or `undefined` when there is none; refuses what is not JSON or too large. */
export function validateMetadata(metadata: unknown, limits: KvBackendLimits, key: string): string | undefined {
  if (metadata === undefined || metadata === null) return undefined;
  const json = strictJson(metadata, "metadata", "put", key);
  const bytes = utf8Bytes(json);
  if (bytes > limits.maxMetadataBytes) {
    throw kvError("InvalidArgument", `metadata is ${bytes} bytes of JSON; this backend holds at most ${limits.maxMetadataBytes}: keep large data in the value`, "put", key);
  }
  return json;
}

/** Throws `TooLarge` when a value exceeds `limits.maxValueBytes`. */
export function validateValueSize(size: number, limits: KvBackendLimits, key: string): void {
  if (size > limits.maxValueBytes) {
    throw kvError("TooLarge", `the value is ${size} bytes; this backend holds at most ${limits.maxValueBytes} per value: store it as an object instead`, "put", key);
  }
}

/** A list page size, 1..1000 (default 1000). */
export function validateListLimit(limit: unknown): number {
  if (limit === undefined) return 1000;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw kvError("InvalidArgument", `list limit must be a whole number from 1 to 1000 (got ${describe(limit)})`, "list");
  }
  return limit;
}

/** A non-negative whole number option of createKv. */
export function validateCount(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw kvError("InvalidArgument", `createKv option ${name} must be a whole number >= 0 (got ${describe(value)})`, "create");
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return String(value);
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value instanceof Date) return "an invalid Date";
  return typeof value;
}
