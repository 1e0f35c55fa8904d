import {
  StorageError,
  compareUtf8,
  maxKeyBytes,
  utf8Length,
  type DriverListOptions,
  type ListPage,
} from "@stowage/core";
import type { R2Bucket } from "@cloudflare/workers-types/2023-07-01";
import { toStorageError } from "./r2-errors.js";
import { toObjectInfo } from "./r2-object-info.js";

const listInclude: ("httpMetadata" | "customMetadata")[] = ["httpMetadata", "customMetadata"];

/**
 * Lists one page through the binding.
 *
 * The cursor is the last entry returned, resumed with the binding's
 * `startAfter`: R2's own cursor lists a common prefix again when keys were
 * added under it.
 *
 * `startAfter` with a delimiter: the binding lists a common prefix whenever
 * a key under it sorts after `startAfter` (so `a/` for `startAfter: "a/1"`
 * while `a/2` exists, and for `startAfter: "a/"`), but the contract lists a
 * common prefix only when the prefix itself sorts after it. When
 * `startAfter` lies inside a common prefix, the binding is asked to start
 * after everything under that prefix instead.
 */
export async function listPage(bucket: R2Bucket, options: DriverListOptions): Promise<ListPage> {
  const startAfter =
    options.cursor !== undefined
      ? decodeCursor(options.cursor)
      : options.startAfter !== undefined
        ? startAfterFor(options.startAfter, options.prefix, options.delimiter)
        : undefined;
  try {
    const result = await bucket.list({
      prefix: options.prefix,
      limit: options.limit,
      include: listInclude,
      ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
      ...(startAfter !== undefined ? { startAfter } : {}),
    });
    const objects = result.objects.map(toObjectInfo);
    const prefixes = result.delimitedPrefixes;
    const page: ListPage = { objects, prefixes };
    if (result.truncated) {
      const lastKey = objects.length > 0 ? objects[objects.length - 1]!.key : undefined;
      const lastPrefix = prefixes.length > 0 ? prefixes[prefixes.length - 1] : undefined;
      page.cursor =
        lastPrefix !== undefined && (lastKey === undefined || compareUtf8(lastPrefix, lastKey) > 0)
          ? `p:${lastPrefix}`
          : `k:${lastKey ?? ""}`;
    }
    return page;
  } catch (error) {
    throw toStorageError(error, "list");
  }
}

/**
 * The binding's `startAfter` for the contract's: unchanged, unless it lies
 * inside a common prefix (it starts with `prefix`, and the delimiter occurs
 * after that). That common prefix sorts at or before it, so it is not listed,
 * and no key under it is either: start past every key under it.
 */
function startAfterFor(startAfter: string, prefix: string, delimiter: string | undefined): string {
  if (delimiter === undefined || !startAfter.startsWith(prefix)) return startAfter;
  const at = startAfter.indexOf(delimiter, prefix.length);
  if (at === -1) return startAfter;
  return pastPrefix(startAfter.slice(0, at + delimiter.length));
}

/**
 * The `startAfter` for a cursor. After a common prefix, every key under it is
 * skipped.
 */
function decodeCursor(cursor: string): string {
  const kind = cursor.slice(0, 2);
  const after = cursor.slice(2);
  if (kind === "k:" && after.length > 0) return after;
  if (kind !== "p:" || after.length === 0) throw new StorageError("InvalidArgument", "The cursor was not made by the r2 driver");
  return pastPrefix(after);
}

/**
 * A string that sorts after every legal key starting with `prefix`: the
 * prefix padded to the longest key (1024 bytes) with the highest code
 * points, so no legal key under it sorts later.
 */
export function pastPrefix(prefix: string): string {
  let room = maxKeyBytes - utf8Length(prefix);
  if (room <= 0) return prefix;
  let padded = prefix + "\u{10FFFF}".repeat(Math.floor(room / 4));
  room %= 4;
  if (room === 3) padded += "\uFFFF";
  else if (room === 2) padded += "\u07FF";
  else if (room === 1) padded += "\u007F";
  return padded;
}
