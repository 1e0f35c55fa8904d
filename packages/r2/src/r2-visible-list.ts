import type { DriverListOptions, ListPage, ObjectInfo } from "@stowage/core";
import type { R2Bucket } from "@cloudflare/workers-types/2023-07-01";
import { toStorageError } from "./r2-errors.js";
import { listPage, pastPrefix } from "./r2-list.js";
import { isReservedKey, reservedPrefix } from "./r2-reserved.js";

/** A cursor that resumes past every key under the reserved prefix (see r2-list.ts). */
const pastReservedCursor = `p:${reservedPrefix}`;

/**
 * One page of `listPage` with the driver's reserved prefix left out: no key
 * under it, and no common prefix that holds only such keys (`__stowage/`
 * at the root with delimiter `/`). Pages stay full: when entries were
 * dropped from a truncated page, the rest is fetched (resuming past the
 * whole reserved range at once), so a page has fewer than `limit` entries
 * only when it is the last one.
 */
export async function listVisible(bucket: R2Bucket, options: DriverListOptions): Promise<ListPage> {
  // Everything under such a prefix is reserved.
  if (isReservedKey(options.prefix)) return { objects: [], prefixes: [] };
  const objects: ObjectInfo[] = [];
  const prefixes: string[] = [];
  let request: DriverListOptions = options;
  for (;;) {
    const wanted = options.limit - objects.length - prefixes.length;
    const page = await listPage(bucket, { ...request, limit: wanted });
    let dropped = false;
    for (const object of page.objects) {
      if (isReservedKey(object.key)) dropped = true;
      else objects.push(object);
    }
    for (const prefix of page.prefixes) {
      if (await onlyReserved(bucket, prefix)) dropped = true;
      else prefixes.push(prefix);
    }
    if (page.cursor === undefined) return { objects, prefixes };
    if (!dropped) return { objects, prefixes, cursor: page.cursor };
    // Resume after this page; from inside the reserved range, past all of it.
    // (A cursor at a common prefix that holds the reserved one, for an unusual delimiter, is already past it.)
    const resume = isReservedKey(page.cursor.slice(2)) ? pastReservedCursor : page.cursor;
    request = { ...options, cursor: resume };
    delete request.startAfter;
  }
}

/**
 * True when the common prefix `prefix` holds nothing but reserved keys:
 * it lies inside the reserved prefix (or is it), or it is shorter than the
 * reserved prefix (an unusual delimiter such as `_`) and no key under it
 * sorts before or after the reserved range.
 */
async function onlyReserved(bucket: R2Bucket, prefix: string): Promise<boolean> {
  if (isReservedKey(prefix)) return true;
  if (!reservedPrefix.startsWith(prefix)) return false;
  try {
    const first = await bucket.list({ prefix, limit: 1 });
    const firstKey = first.objects[0]?.key;
    if (firstKey === undefined) return false;
    if (!isReservedKey(firstKey)) return false;
    const after = await bucket.list({ prefix, limit: 1, startAfter: pastPrefix(reservedPrefix) });
    return after.objects.length === 0;
  } catch (error) {
    throw toStorageError(error, "list");
  }
}
