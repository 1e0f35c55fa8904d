import type { ReadContext } from "./get-blob.js";
import { elements, text } from "./list-xml.js";
import { mapAzureError } from "./map-azure-error.js";

/**
 * The names of every blob under `prefix`, committed or not (List Blobs with
 * `include=uncommittedblobs`, every page): the keys that may hold upload
 * sessions' staged blocks.
 */
export async function listUncommittedNames(context: ReadContext, prefix: string, signal?: AbortSignal): Promise<string[]> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const response = await context.client.request({
      method: "GET",
      path: context.container,
      query: { restype: "container", comp: "list", include: "uncommittedblobs", prefix: prefix === "" ? undefined : prefix, marker, maxresults: "5000" },
      ...(signal ? { signal } : {}),
    });
    if (response.status !== 200) throw await mapAzureError(response, "listUploads");
    const xml = await response.text();
    for (const { inner } of elements(xml, "Blob")) names.push(text(inner, "Name") ?? "");
    marker = text(xml, "NextMarker") || undefined;
  } while (marker !== undefined);
  return names;
}
