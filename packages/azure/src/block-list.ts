import type { ReadContext } from "./get-blob.js";
import { elements, text } from "./list-xml.js";
import { StorageError } from "@stowage/core";
import { mapAzureError } from "./map-azure-error.js";

/** One block of a blob's block list: its base64 id and size. */
export interface ListedBlock {
  name: string;
  size: number;
}

/**
 * Get Block List (`blocklisttype=uncommitted`): the blocks staged on `key`
 * and not yet committed. A key with no staged blocks (and no blob) gives an
 * empty list.
 */
export async function uncommittedBlocks(context: ReadContext, key: string, operation: string, signal?: AbortSignal): Promise<ListedBlock[]> {
  const response = await context.client.request({
    method: "GET",
    path: `${context.container}/${key}`,
    query: { comp: "blocklist", blocklisttype: "uncommitted" },
    ...(signal ? { signal } : {}),
  });
  if (response.status === 404) {
    await response.body?.cancel();
    return [];
  }
  if (response.status !== 200) throw await mapAzureError(response, operation, key);
  const xml = await response.text();
  const section = elements(xml, "UncommittedBlocks")[0]?.inner ?? "";
  return elements(section, "Block").map(({ inner }) => ({ name: text(inner, "Name") ?? "", size: Number(text(inner, "Size") ?? 0) }));
}

/** Put Block: stages `body` as block `blockId` of `key` (a stream needs `length`). */
export async function putBlock(
  context: ReadContext,
  key: string,
  blockId: string,
  body: Uint8Array | ReadableStream<Uint8Array>,
  operation: string,
  options: { length?: number; signal?: AbortSignal } = {},
): Promise<Response> {
  return context.client.request({
    method: "PUT",
    path: `${context.container}/${key}`,
    query: { comp: "block", blockid: blockId },
    body,
    ...(options.length === undefined ? {} : { length: options.length }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/**
 * The error of a failed Put Block. InvalidBlobOrBlock there means the blob
 * holds uncommitted blocks whose ids have another length (Azure wants one
 * length per blob): staged by another tool or an older driver.
 */
export async function putBlockError(response: Response, operation: string, key: string): Promise<StorageError> {
  const error = await mapAzureError(response, operation, key);
  if (!/InvalidBlobOrBlock/.test(error.message)) return error;
  return new StorageError(
    error.code,
    `${error.message} (the blob holds uncommitted blocks with ids of another length, staged by another tool or an older @stowage/azure; ` +
      "Azure discards them at the blob's next write or after 7 days)",
    { cause: error },
  );
}
