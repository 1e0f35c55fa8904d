import { putObjectInfo, type DriverPutOptions, type ObjectInfo } from "@stowage/core";
import { blobFieldHeaders, putConditionHeaders } from "./blob-info.js";
import { putBlockError } from "./block-list.js";
import { encodeBlockId, randomOwner } from "./block-ids.js";
import { putError, putWhole, storedOf, type PutContext } from "./put-blob.js";
import { BlockBuffers } from "./block-buffers.js";

/** Azure's most committed blocks in one blob. */
export const maxBlocks = 50_000;

/**
 * Streams a body of unknown (or large) size as Put Block calls, at most
 * `concurrency` blocks in flight (so at most `concurrency + 1` blocks in
 * memory), then commits them with one Put Block List, which carries the
 * fields, metadata and conditions. The list is sent only after the body
 * ended cleanly: a body that errors or aborts commits nothing, and its
 * uncommitted blocks stay invisible (Azure discards them after 7 days, or
 * at the next commit to that blob). A body shorter than one block is one
 * Put Blob. Block buffers are reused once sent, and each is sent as a
 * one-chunk stream with its length (fetch copies a byte body first): both
 * keep the memory of a long upload flat.
 */
export async function stagedUpload(context: PutContext, key: string, body: ReadableStream<Uint8Array>, options: DriverPutOptions): Promise<ObjectInfo> {
  const blockSize = options.size === undefined ? context.blockSize : Math.max(context.blockSize, Math.ceil(options.size / maxBlocks));
  const owner = randomOwner();
  const blockIds: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let size = 0;
  const buffers = new BlockBuffers(blockSize);
  const blocks = readBlocks(body, blockSize, buffers);
  try {
    for (;;) {
      const next = await blocks.next();
      if (next.done) break;
      const block = next.value;
      if (blockIds.length === 0 && block.final) return await putWhole(context, key, block.bytes, options);
      size += block.bytes.byteLength;
      // The same 64-byte shape as upload sessions' ids (block-ids.ts): one blob's ids must all have one length.
      const blockId = encodeBlockId({ owner, kind: "b", seq: blockIds.length, payload: "" });
      blockIds.push(blockId);
      const sending: Promise<void> = putBlock(context, key, blockId, block.bytes, options.signal)
        .then(() => buffers.give(block.bytes))
        .catch((error: unknown) => {
          failure ??= error;
        })
        .finally(() => inFlight.delete(sending));
      inFlight.add(sending);
      if (inFlight.size >= context.concurrency) await Promise.race(inFlight);
      if (failure !== undefined) throw failure;
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
  } catch (error) {
    await blocks.return(undefined).catch(() => {});
    await Promise.allSettled(inFlight);
    throw error;
  }
  if (blockIds.length === 0) return putWhole(context, key, new Uint8Array(0), options);
  const list = `<?xml version="1.0" encoding="utf-8"?><BlockList>${blockIds.map((id) => `<Latest>${id}</Latest>`).join("")}</BlockList>`;
  const response = await context.client.request({
    method: "PUT",
    path: `${context.container}/${key}`,
    query: { comp: "blocklist" },
    headers: { "content-type": "application/xml", ...blobFieldHeaders(options), ...putConditionHeaders(options) },
    body: list,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (response.status !== 201) throw await putError(response, key, options);
  await response.body?.cancel();
  return putObjectInfo(key, storedOf(response, size), options);
}

async function putBlock(context: PutContext, key: string, blockId: string, bytes: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
  const response = await context.client.request({
    method: "PUT",
    path: `${context.container}/${key}`,
    query: { comp: "block", blockid: blockId },
    body: new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    }),
    length: bytes.byteLength,
    ...(signal ? { signal } : {}),
  });
  if (response.status !== 201) throw await putBlockError(response, "put", key);
  await response.body?.cancel();
}

/** Cuts a stream into blocks of exactly `blockSize` bytes (the last may be shorter); `final` marks the last. */
async function* readBlocks(stream: ReadableStream<Uint8Array>, blockSize: number, buffers: BlockBuffers): AsyncGenerator<{ bytes: Uint8Array; final: boolean }> {
  const reader = stream.getReader();
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let finished = false;
  try {
    for (;;) {
      while (!finished && pendingBytes <= blockSize) {
        const { done, value } = await reader.read();
        if (done) finished = true;
        else if (value.byteLength > 0) {
          pending.push(value);
          pendingBytes += value.byteLength;
        }
      }
      if (pendingBytes === 0) return;
      const take = Math.min(blockSize, pendingBytes);
      const bytes = buffers.take(take);
      let offset = 0;
      const rest: Uint8Array[] = [];
      for (const chunk of pending) {
        if (offset < take) {
          const used = Math.min(chunk.byteLength, take - offset);
          bytes.set(chunk.subarray(0, used), offset);
          offset += used;
          if (used < chunk.byteLength) rest.push(chunk.subarray(used));
        } else rest.push(chunk);
      }
      pending = rest;
      pendingBytes -= take;
      yield { bytes, final: finished && pendingBytes === 0 };
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
