import { StorageError, type DriverListOptions, type ListPage, type ObjectInfo } from "@stowage/core";
import { base64ToBytes, bytesToBase64 } from "./shared-key.js";
import { unquoteEtag } from "./blob-info.js";
import type { ReadContext } from "./get-blob.js";
import { elements, text } from "./list-xml.js";
import { mapAzureError } from "./map-azure-error.js";
import { fromAzureMetadataName } from "./metadata-names.js";

/**
 * List Blobs (`include=metadata`): `prefix`, `delimiter`, `maxresults` =
 * `limit` (Azure counts blobs and prefixes together, as Stowage does). The
 * cursor carries the service's `NextMarker` and, when the page ended with a
 * common prefix, that prefix: the marker after a common prefix points at the
 * last blob under it, so a blob added under the prefix between pages would
 * list the prefix again; the next page drops it (and anything under it).
 */
export async function listBlobs(context: ReadContext, options: DriverListOptions): Promise<ListPage> {
  let state = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
  const result: ListPage = { objects: [], prefixes: [] };
  for (;;) {
    const page = await listOnce(context, { ...options, limit: options.limit - result.objects.length - result.prefixes.length }, state?.marker);
    const after = state?.afterPrefix;
    if (after !== undefined) {
      page.objects = page.objects.filter((object) => !object.key.startsWith(after));
      page.prefixes = page.prefixes.filter((prefix) => !prefix.startsWith(after));
    }
    result.objects.push(...page.objects);
    result.prefixes.push(...page.prefixes);
    const marker = page.cursor;
    if (marker === undefined) return result;
    const last = lastEntry(page);
    const afterPrefix = last === undefined ? after : last.isPrefix ? last.name : undefined;
    state = { marker, ...(afterPrefix !== undefined ? { afterPrefix } : {}) };
    // A page shortened by the dropped prefix is topped up from the next one.
    if (result.objects.length + result.prefixes.length >= options.limit) {
      result.cursor = encodeCursor(state);
      return result;
    }
  }
}

interface CursorState {
  marker: string;
  afterPrefix?: string;
}

function encodeCursor(state: CursorState): string {
  return "az1." + bytesToBase64(new TextEncoder().encode(JSON.stringify(state))).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function decodeCursor(cursor: string): CursorState {
  try {
    if (!cursor.startsWith("az1.")) throw new Error("not an azure cursor");
    const base64 = cursor.slice(4).replaceAll("-", "+").replaceAll("_", "/");
    const state: unknown = JSON.parse(new TextDecoder().decode(base64ToBytes(base64 + "=".repeat((4 - (base64.length % 4)) % 4))));
    if (state === null || typeof state !== "object" || typeof (state as CursorState).marker !== "string") throw new Error("no marker");
    return state as CursorState;
  } catch (error) {
    throw new StorageError("InvalidArgument", "cursor is not one this azure driver returned", { cause: error });
  }
}

/** The entry that sorts last on a page, in the service's order. */
function lastEntry(page: ListPage): { name: string; isPrefix: boolean } | undefined {
  const object = page.objects.at(-1)?.key;
  const prefix = page.prefixes.at(-1);
  if (prefix === undefined) return object === undefined ? undefined : { name: object, isPrefix: false };
  if (object === undefined) return { name: prefix, isPrefix: true };
  return prefix > object ? { name: prefix, isPrefix: true } : { name: object, isPrefix: false };
}

async function listOnce(context: ReadContext, options: DriverListOptions, marker: string | undefined): Promise<ListPage> {
  const response = await context.client.request({
    method: "GET",
    path: context.container,
    query: {
      restype: "container",
      comp: "list",
      include: "metadata",
      prefix: options.prefix === "" ? undefined : options.prefix,
      delimiter: options.delimiter,
      marker,
      maxresults: String(options.limit),
    },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (response.status !== 200) throw await mapAzureError(response, "list");
  const xml = await response.text();
  const objects: ObjectInfo[] = elements(xml, "Blob").map(({ inner }) => blobOf(inner));
  const prefixes = elements(xml, "BlobPrefix").map(({ inner }) => text(inner, "Name") ?? "");
  const page: ListPage = { objects, prefixes };
  const next = text(xml, "NextMarker");
  if (next) page.cursor = next;
  return page;
}

function blobOf(xml: string): ObjectInfo {
  const properties = elements(xml, "Properties")[0]?.inner ?? "";
  const info: ObjectInfo = {
    key: text(xml, "Name") ?? "",
    size: Number(text(properties, "Content-Length") ?? 0),
    etag: unquoteEtag(text(properties, "Etag") ?? ""),
    lastModified: new Date(text(properties, "Last-Modified") ?? 0),
    contentType: text(properties, "Content-Type") || "application/octet-stream",
    metadata: {},
  };
  const cacheControl = text(properties, "Cache-Control");
  const contentDisposition = text(properties, "Content-Disposition");
  const contentEncoding = text(properties, "Content-Encoding");
  if (cacheControl) info.cacheControl = cacheControl;
  if (contentDisposition) info.contentDisposition = contentDisposition;
  if (contentEncoding) info.contentEncoding = contentEncoding;
  const metadata = elements(xml, "Metadata")[0]?.inner ?? "";
  for (const match of metadata.matchAll(/<([A-Za-z_][A-Za-z0-9_]*)>([\s\S]*?)<\/\1>|<([A-Za-z_][A-Za-z0-9_]*)\s*\/>/g)) {
    const key = fromAzureMetadataName(match[1] ?? match[3]!);
    if (key !== undefined) info.metadata[key] = text(match[0], match[1] ?? match[3]!) ?? "";
  }
  return info;
}
