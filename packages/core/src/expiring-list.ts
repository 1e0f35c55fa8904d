import type { DriverListOptions, StorageDriver } from "./storage-driver.js";
import type { ListPage, ObjectInfo, SweepExpiredOptions, SweepExpiredResult } from "./storage-types.js";
import { isStorageError } from "./storage-error.js";
import { throwIfAborted, validateSignal } from "./abort-signal.js";
import { assertKnownOptions, describe } from "./known-options.js";
import { sweepExpiredOptionNames } from "./operation-options.js";
import { invalid, validateListText } from "./validate-options.js";
import { isExpired, publicInfo } from "./object-expiry.js";

/** How many further driver pages a list reads to refill a page that lost expired objects. */
const maxRefills = 16;
/** Conditional deletes a sweep keeps in flight. */
const sweepConcurrency = 8;

/**
 * One list page without expired objects, refilled from the following
 * driver pages so it stays `limit` entries long while more exist (up to
 * `maxRefills` extra reads; then a shorter page with a cursor, which is
 * still correct). Every object's info is made public (expiry field hidden).
 */
export async function listVisible(driver: StorageDriver, options: DriverListOptions, now: () => number): Promise<ListPage> {
  const objects: ObjectInfo[] = [];
  const prefixes: string[] = [];
  let request = options;
  for (let round = 0; ; round++) {
    const page = await driver.list(request);
    const at = now();
    let dropped = 0;
    for (const object of page.objects) {
      if (isExpired(object, at)) dropped++;
      else objects.push(publicInfo(object));
    }
    prefixes.push(...page.prefixes);
    const missing = options.limit - objects.length - prefixes.length;
    if (page.cursor === undefined) return { objects, prefixes };
    // Only a page that lost expired objects is refilled: a driver's own short page stays as it is.
    if (dropped === 0 || missing <= 0 || round >= maxRefills) return { objects, prefixes, cursor: page.cursor };
    const { startAfter: _resumedByCursor, ...rest } = options;
    request = { ...rest, cursor: page.cursor, limit: missing };
  }
}

export interface SweepRequest {
  prefix: string;
  signal?: AbortSignal;
  onProgress?: (progress: SweepExpiredResult) => void;
}

/** Checks sweepExpired's options. */
export function normalizeSweepOptions(options: SweepExpiredOptions): SweepRequest {
  assertKnownOptions(options, sweepExpiredOptionNames, "sweepExpired options");
  const prefix = options.prefix === undefined ? "" : validateListText(options.prefix, "prefix", true);
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") {
    throw invalid(`onProgress must be a function (got ${describe(options.onProgress)})`);
  }
  const signal = validateSignal(options.signal);
  throwIfAborted(signal, "sweepExpired");
  return { prefix, ...(signal === undefined ? {} : { signal }), ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }) };
}

/**
 * Deletes every expired object under the prefix, each only at the etag
 * the listing showed (`delete` with `ifMatch`), so an object rewritten
 * since — with a new expiry or none — survives. Missing or changed
 * objects are skipped; running it again is safe and finds nothing more.
 */
export async function sweepExpired(driver: StorageDriver, request: SweepRequest, now: () => number): Promise<SweepExpiredResult> {
  const { prefix, signal, onProgress } = request;
  const signalOption = signal === undefined ? {} : { signal };
  const result: SweepExpiredResult = { scanned: 0, deleted: 0 };
  let cursor: string | undefined;
  do {
    throwIfAborted(signal, "sweepExpired");
    const page = await driver.list({ prefix, limit: 1000, ...signalOption, ...(cursor === undefined ? {} : { cursor }) });
    result.scanned += page.objects.length;
    const at = now();
    const expired = page.objects.filter((object) => isExpired(object, at));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < expired.length) {
        const object = expired[next++]!;
        throwIfAborted(signal, "sweepExpired");
        try {
          await driver.delete([object.key], { ...signalOption, ifMatch: object.etag });
          result.deleted++;
        } catch (error) {
          if (!isRewritten(error)) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(sweepConcurrency, expired.length) }, worker));
    onProgress?.({ ...result });
    cursor = page.cursor;
  } while (cursor !== undefined);
  return result;
}

/** A conditional delete that found a newer object, or none: the sweep leaves it. */
function isRewritten(error: unknown): boolean {
  return isStorageError(error) && (error.code === "PreconditionFailed" || error.code === "NotFound");
}

/** The hint for sweeping where conditional deletes are missing. */
export const sweepHint = "a bucket lifecycle rule (S3 or R2 object expiration by prefix) can delete expired objects instead";
