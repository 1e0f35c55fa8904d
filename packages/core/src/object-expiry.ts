import type { ObjectInfo } from "./storage-types.js";
import type { DriverGetResult, DriverObjectFields, DriverPutOptions } from "./storage-driver.js";
import type { CapabilityName } from "./capabilities.js";
import type { PutOptions } from "./storage-types.js";
import { utf8Length } from "./compare-utf8.js";
import { StorageError } from "./storage-error.js";
import { describe } from "./known-options.js";
import { invalid } from "./validate-options.js";

/**
 * The user-metadata field core keeps an object's expiry in: decimal
 * milliseconds since the epoch. Core writes it, hides it from every
 * `metadata` it returns (reporting `ObjectInfo.expiresAt` instead), and
 * refuses it as a caller's own metadata key.
 */
export const expiryMetadataKey = "stowage-expires-at";

/** The longest TTL core accepts: 100 years, so any instant stays a safe integer of milliseconds. */
const maxTtlSeconds = 100 * 365 * 24 * 3600;

/**
 * The expiry instant (epoch ms) a put asks for, checked against `now`, or
 * `undefined` when it asks for none. Exactly one of `expiresAt` (a `Date`)
 * and `ttlSeconds` (a positive whole number of seconds) may be given, and
 * the instant must lie after `now`.
 */
export function requestedExpiry(options: { expiresAt?: unknown; ttlSeconds?: unknown }, now: number): number | undefined {
  const { expiresAt, ttlSeconds } = options;
  if (expiresAt === undefined && ttlSeconds === undefined) return undefined;
  if (expiresAt !== undefined && ttlSeconds !== undefined) {
    throw invalid("give either expiresAt or ttlSeconds, not both");
  }
  if (ttlSeconds !== undefined) {
    if (typeof ttlSeconds !== "number" || !Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > maxTtlSeconds) {
      throw invalid(`ttlSeconds must be a whole number of seconds from 1 to ${maxTtlSeconds} (got ${typeof ttlSeconds === "number" ? ttlSeconds : describe(ttlSeconds)}); it is never rounded`);
    }
    return now + ttlSeconds * 1000;
  }
  if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) {
    throw invalid(`expiresAt must be a valid Date (got ${describe(expiresAt)})`);
  }
  const instant = expiresAt.getTime();
  if (instant <= now) {
    throw invalid(`expiresAt ${expiresAt.toISOString()} is not in the future (now is ${new Date(now).toISOString()} by the storage clock)`);
  }
  if (instant > now + maxTtlSeconds * 1000) throw invalid(`expiresAt ${expiresAt.toISOString()} is more than 100 years away`);
  return instant;
}

/** The expiry instant an info's raw metadata carries, or `undefined`. */
export function storedExpiry(info: { metadata: Record<string, string> }): number | undefined {
  const text = info.metadata[expiryMetadataKey];
  if (text === undefined || !/^\d{1,16}$/.test(text)) return undefined;
  return Number(text);
}

/** Whether the object a driver returned has expired by `now`. */
export function isExpired(info: { metadata: Record<string, string> }, now: number): boolean {
  const instant = storedExpiry(info);
  return instant !== undefined && instant <= now;
}

/** The metadata field for an expiry instant, for merging into what the driver stores. */
export function expiryField(instant: number): Record<string, string> {
  return { [expiryMetadataKey]: String(instant) };
}

/** Bytes the expiry field takes out of a metadata budget. */
export function expiryFieldBytes(instant: number): number {
  return expiryMetadataKey.length + String(instant).length;
}

/**
 * The info as callers see it: the expiry field taken out of `metadata`
 * and reported as `expiresAt`. Changes `info` in place and returns it.
 */
export function publicInfo<T extends ObjectInfo>(info: T): T {
  const instant = storedExpiry(info);
  if (!(expiryMetadataKey in info.metadata)) return info;
  const { [expiryMetadataKey]: _hidden, ...rest } = info.metadata;
  info.metadata = rest;
  if (instant !== undefined) info.expiresAt = new Date(instant);
  return info;
}

/** The `NotFound` an expired object gives where it must be present (copy, move, signGet). */
export function expiredError(key: string, instant: number): StorageError {
  return new StorageError("NotFound", `${key} expired at ${new Date(instant).toISOString()} (it reads as absent until sweepExpired deletes it)`, { key });
}

/**
 * For `signGet` where the backend signs its own URLs (`signGetExpiry`
 * off): the URL lifetime in seconds, no longer than the object has left.
 * An expired object is `NotFound`; a missing one keeps `expiresIn` (its
 * URL answers 404).
 */
export async function lifetimeWithinExpiry(
  head: () => Promise<ObjectInfo | null>,
  key: string,
  expiresIn: number,
  now: () => number,
): Promise<number> {
  const info = await head();
  if (info === null) return expiresIn;
  const instant = storedExpiry(info);
  if (instant === undefined) return expiresIn;
  const left = Math.floor((instant - now()) / 1000);
  if (left < 1) throw expiredError(key, instant);
  return Math.min(expiresIn, left);
}

/**
 * After a create-only put failed with `AlreadyExists`: when the object in
 * the way has expired, the error says so (it reads as absent but still
 * holds the key until swept); otherwise the original error.
 */
export async function explainExistingExpired(error: unknown, head: () => Promise<ObjectInfo | null>, now: () => number): Promise<unknown> {
  if (!(error instanceof StorageError) || error.code !== "AlreadyExists") return error;
  const info = await head().catch(() => null);
  const instant = info === null ? undefined : storedExpiry(info);
  if (instant === undefined || instant > now()) return error;
  return new StorageError(
    "AlreadyExists",
    `${info!.key} holds an object that expired at ${new Date(instant).toISOString()} but is not yet deleted: run sweepExpired (or delete it) before a create-only put`,
    { key: info!.key, cause: error },
  );
}

/**
 * The fields a copy or metadata update stores, with the source's expiry
 * field kept when the caller's metadata replaced the source's: neither
 * ever drops an expiry. The caller's metadata must leave room for it
 * within `limit`.
 */
export function withSourceExpiry(source: ObjectInfo, merged: DriverObjectFields, limit: number): DriverObjectFields {
  const field = source.metadata[expiryMetadataKey];
  if (field === undefined || merged.metadata[expiryMetadataKey] !== undefined) return merged;
  let bytes = 0;
  for (const [name, value] of Object.entries(merged.metadata)) bytes += name.length + utf8Length(value);
  const budget = limit - expiryMetadataKey.length - field.length;
  if (bytes > budget) {
    throw invalid(`metadata is ${bytes} bytes; ${source.key} expires, and its expiry takes ${limit - budget} of the ${limit} bytes, so at most ${budget} are allowed`);
  }
  return { ...merged, metadata: { ...merged.metadata, [expiryMetadataKey]: field } };
}

/**
 * Put options with the expiry a put asks for: capability `expiry`
 * required, the instant checked, and stored as the reserved field, whose
 * bytes come out of the caller's metadata budget. `normalize` checks the
 * other options within the budget it is given.
 */
export function withExpiry(
  options: PutOptions,
  clock: () => number,
  metadataLimit: number,
  require: (capability: CapabilityName, option: string) => void,
  normalize: (metadataLimit: number) => DriverPutOptions,
): DriverPutOptions {
  const asks = options?.expiresAt !== undefined || options?.ttlSeconds !== undefined;
  if (!asks) return normalize(metadataLimit);
  require("expiry", options.expiresAt !== undefined ? "expiresAt" : "ttlSeconds");
  const instant = requestedExpiry(options, clock())!;
  const out = normalize(metadataLimit - expiryFieldBytes(instant));
  out.metadata = { ...out.metadata, ...expiryField(instant) };
  return out;
}

/**
 * For `get`: whether the result has expired by `now` (its body is then
 * cancelled, and the get answers `null`); otherwise its info is made
 * public in place.
 */
export async function discardExpired(result: DriverGetResult, now: number): Promise<boolean> {
  if (!isExpired(result.info, now)) {
    publicInfo(result.info);
    return false;
  }
  if (!(result.body instanceof Uint8Array)) await result.body.cancel().catch(() => {});
  return true;
}
