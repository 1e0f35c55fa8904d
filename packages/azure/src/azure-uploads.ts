import {
  putObjectInfo,
  StorageError,
  throwIfAborted,
  type DriverCompleteUploadOptions,
  type DriverCreateUploadOptions,
  type DriverListUploadsOptions,
  type DriverOperationOptions,
  type DriverPutBody,
  type DriverUploadPartOptions,
  type ObjectInfo,
  type UploadedPart,
  type UploadListing,
} from "@stowage/core";
import { blobFieldHeaders, quoteEtag } from "./blob-info.js";
import { encodeBlockId, isOwner, randomBase36, randomOwner } from "./block-ids.js";
import { putBlock, putBlockError, uncommittedBlocks } from "./block-list.js";
import { headBlob } from "./get-blob.js";
import { listUncommittedNames } from "./list-uncommitted.js";
import { mapAzureError } from "./map-azure-error.js";
import { readAtMost, storedOf, type PutContext } from "./put-blob.js";
import { heldBackStream } from "./held-back-stream.js";
import { azureUploadLimits } from "./azure-upload-capabilities.js";
import { emptyMarker, nonceLength, putOptionsOf, recordChunks, recordOf, sessionsOf, type SessionBlocks } from "./upload-record.js";

/**
 * Upload sessions mapped onto a blob's uncommitted blocks (gateway mode).
 * Everything about a session lives in the ids of the blocks staged on its
 * key: its record (`r`), its parts (`p`, one block per attempt) and, once
 * aborted, a tombstone (`x`); one Get Block List reads it all back. Nothing
 * is committed (so nothing is visible) until `complete`'s Put Block List,
 * which also discards every other uncommitted block of the blob.
 */
export class AzureUploads {
  constructor(private readonly context: PutContext) {}

  /** Stages the record chunks (a few in flight). */
  async create(key: string, options: DriverCreateUploadOptions): Promise<{ uploadId: string }> {
    throwIfAborted(options.signal, "createUpload");
    const uploadId = randomOwner();
    const base = (await headBlob(this.context, key, options.signal))?.etag ?? "";
    const chunks = recordChunks(recordOf(options, new Date(), base));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < chunks.length) {
        const seq = next++;
        await this.stage(key, encodeBlockId({ owner: uploadId, kind: "r", seq, payload: chunks[seq]! }), "createUpload", options.signal);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.context.concurrency, chunks.length) }, worker));
    return { uploadId };
  }

  /**
   * Put Block of one attempt at a part, under a new time-sortable nonce (the
   * part's etag). With `size` the body streams with that Content-Length and
   * its last chunk held back until it ended cleanly, so a body that errors,
   * aborts or has another length stages nothing; without `size` the part is
   * read into memory first (one part at most).
   */
  async uploadPart(key: string, uploadId: string, partNumber: number, body: DriverPutBody, options: DriverUploadPartOptions = {}): Promise<{ etag: string; size: number }> {
    if (!Number.isSafeInteger(partNumber) || partNumber < 1 || partNumber > azureUploadLimits.maxParts) {
      throw new StorageError("InvalidArgument", `partNumber must be a whole number from 1 to ${azureUploadLimits.maxParts} on Azure (got ${String(partNumber)})`, { key });
    }
    throwIfAborted(options.signal, "uploadPart");
    await this.session(key, uploadId, "uploadPart", options.signal);
    const nonce = Date.now().toString(36).padStart(9, "0") + randomBase36(nonceLength - 9);
    let bytes: Uint8Array | undefined;
    if (body instanceof Uint8Array) bytes = body;
    else if (options.size === undefined) bytes = await readAtMost(body, azureUploadLimits.maxPartSize);
    const size = bytes?.byteLength ?? options.size!;
    if (options.size !== undefined && size !== options.size) {
      throw new StorageError("InvalidArgument", `The part has ${size} bytes but must have ${options.size}`, { key });
    }
    if (size === 0) {
      if (bytes === undefined) {
        await readAtMost(body as ReadableStream<Uint8Array>, 0).catch((error: unknown) => {
          throw error instanceof StorageError && error.code === "TooLarge" ? new StorageError("InvalidArgument", "The part must have 0 bytes", { key }) : error;
        });
      }
      // Azure stages no empty block: a 1-byte block marked empty, left out of the commit.
      const blockId = encodeBlockId({ owner: uploadId, kind: "p", seq: partNumber, payload: nonce + emptyMarker });
      await this.stage(key, blockId, "uploadPart", options.signal);
      return { etag: nonce, size: 0 };
    }
    const blockId = encodeBlockId({ owner: uploadId, kind: "p", seq: partNumber, payload: nonce });
    if (bytes !== undefined) {
      await this.stage(key, blockId, "uploadPart", options.signal, bytes);
      return { etag: nonce, size };
    }
    const held = heldBackStream(body as ReadableStream<Uint8Array>, size);
    let response: Response;
    try {
      response = await putBlock(this.context, key, blockId, held.stream, "uploadPart", { length: size, ...(options.signal ? { signal: options.signal } : {}) });
    } catch (error) {
      throwIfAborted(options.signal, "uploadPart");
      throw held.failure() ?? error;
    }
    if (response.status !== 201) throw await putBlockError(response, "uploadPart", key);
    await response.body?.cancel();
    return { etag: nonce, size };
  }

  /** The latest attempt of each part, ascending. */
  async listParts(key: string, uploadId: string, options: DriverOperationOptions = {}): Promise<UploadedPart[]> {
    throwIfAborted(options.signal, "listUploadParts");
    const session = await this.session(key, uploadId, "listUploadParts", options.signal);
    return [...session.parts.entries()].sort(([a], [b]) => a - b).map(([partNumber, part]) => ({ partNumber, etag: part.nonce, size: part.size }));
  }

  /**
   * One Get Block List, then Put Block List of the given parts' latest
   * blocks with the record's fields (and `If-None-Match: *` for
   * ifNotExists). A stale etag or a missing part is InvalidArgument.
   */
  async complete(key: string, uploadId: string, parts: { partNumber: number; etag: string }[], options: DriverCompleteUploadOptions = {}): Promise<ObjectInfo> {
    throwIfAborted(options.signal, "completeUpload");
    const session = await this.session(key, uploadId, "completeUpload", options.signal, options.ifNotExists);
    const record = session.record!;
    const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    const names: string[] = [];
    let size = 0;
    for (const [index, part] of ordered.entries()) {
      if (index > 0 && ordered[index - 1]!.partNumber === part.partNumber) {
        throw new StorageError("InvalidArgument", `part ${part.partNumber} is given twice`, { key });
      }
      const held = session.parts.get(part.partNumber);
      if (held === undefined) throw new StorageError("InvalidArgument", `part ${part.partNumber} of upload ${uploadId} was not uploaded`, { key });
      if (held.nonce !== part.etag) {
        throw new StorageError("InvalidArgument", `part ${part.partNumber}'s etag ${part.etag} is not its latest upload (${held.nonce}): the part was uploaded again`, { key });
      }
      size += held.size;
      if (held.size > 0) names.push(held.name);
    }
    const putOptions = putOptionsOf(record);
    // ifNotExists: the key must not exist; else it must be as it was at createUpload.
    const condition = options.ifNotExists || record.base === "" ? { "if-none-match": "*" } : { "if-match": quoteEtag(record.base) };
    const response = await this.context.client.request({
      method: "PUT",
      path: `${this.context.container}/${key}`,
      query: { comp: "blocklist" },
      headers: { "content-type": "application/xml", ...blobFieldHeaders(putOptions), ...condition },
      body: `<?xml version="1.0" encoding="utf-8"?><BlockList>${names.map((name) => `<Uncommitted>${name}</Uncommitted>`).join("")}</BlockList>`,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (response.status === 201) {
      await response.body?.cancel();
      return putObjectInfo(key, storedOf(response, size), putOptions);
    }
    const error = await mapAzureError(response, "completeUpload", key);
    const conditionFailed = response.status === 412 || response.status === 409 || (response.status === 404 && record.base !== "");
    if (conditionFailed && options.ifNotExists) throw new StorageError("AlreadyExists", `${key} already exists`, { key, cause: error });
    // The blocks vanished between the read and the commit: another commit of the key.
    if (response.status === 400 && /InvalidBlockList/.test(error.message)) throw await this.goneError(key, uploadId, "completeUpload", options.ifNotExists, options.signal);
    // The key changed since createUpload: Azure would have discarded the parts; end the session the same way.
    if (conditionFailed) {
      await this.stage(key, encodeBlockId({ owner: uploadId, kind: "x", seq: 0, payload: "" }), "completeUpload", options.signal).catch(() => {});
      throw writtenMeanwhile(key, uploadId, "completeUpload", error);
    }
    throw error;
  }

  /** Stages the tombstone; an upload that is gone already is fine. Its blocks go at the key's next write, or after 7 days. */
  async abort(key: string, uploadId: string, options: DriverOperationOptions = {}): Promise<void> {
    throwIfAborted(options.signal, "abortUpload");
    if (!isOwner(uploadId)) return;
    const session = sessionsOf(await uncommittedBlocks(this.context, key, "abortUpload", options.signal)).get(uploadId);
    if (session?.record === undefined || session.aborted) return;
    await this.stage(key, encodeBlockId({ owner: uploadId, kind: "x", seq: 0, payload: "" }), "abortUpload", options.signal);
  }

  /** List Blobs (include=uncommittedblobs) under the prefix, then one Get Block List per listed blob. */
  async list(options: DriverListUploadsOptions): Promise<UploadListing[]> {
    throwIfAborted(options.signal, "listUploads");
    const names = await listUncommittedNames(this.context, options.prefix, options.signal);
    const found: UploadListing[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < names.length) {
        const key = names[next++]!;
        for (const [uploadId, session] of sessionsOf(await uncommittedBlocks(this.context, key, "listUploads", options.signal))) {
          if (session.record !== undefined && !session.aborted) found.push({ key, uploadId, initiated: new Date(session.record.initiated) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.context.concurrency, names.length) }, worker));
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated.getTime() - b.initiated.getTime()));
  }

  /** The session, or NotFound when it is unknown, aborted or gone (see goneError). */
  private async session(key: string, uploadId: string, operation: string, signal: AbortSignal | undefined, ifNotExists?: boolean): Promise<SessionBlocks> {
    if (typeof uploadId !== "string" || !isOwner(uploadId)) throw new StorageError("NotFound", `unknown upload ${String(uploadId)} for ${key}`, { key });
    const session = sessionsOf(await uncommittedBlocks(this.context, key, operation, signal)).get(uploadId);
    if (session?.record === undefined || session.aborted) throw await this.goneError(key, uploadId, operation, ifNotExists, signal);
    return session;
  }

  /**
   * Why a session is not there: the key exists (ifNotExists: AlreadyExists;
   * else it was completed, or written while the upload was in progress,
   * which discards every uncommitted block) or the upload is unknown.
   */
  private async goneError(key: string, uploadId: string, operation: string, ifNotExists: boolean | undefined, signal: AbortSignal | undefined): Promise<StorageError> {
    const existing = await headBlob(this.context, key, signal).catch(() => null);
    if (existing !== null && ifNotExists) return new StorageError("AlreadyExists", `${key} already exists`, { key });
    if (existing !== null) return writtenMeanwhile(key, uploadId, operation);
    return new StorageError("NotFound", `${operation}: unknown upload ${uploadId} for ${key} (never created, completed or aborted)`, { key });
  }

  /** Put Block of a small marker block (1 byte) or of `bytes`. */
  private async stage(key: string, blockId: string, operation: string, signal: AbortSignal | undefined, bytes: Uint8Array = marker): Promise<void> {
    let response: Response;
    try {
      response = await putBlock(this.context, key, blockId, bytes, operation, signal ? { signal } : {});
    } catch (error) {
      throwIfAborted(signal, operation);
      throw error;
    }
    if (response.status !== 201) throw await putBlockError(response, operation, key);
    await response.body?.cancel();
  }
}

const marker = new Uint8Array([0]);

function writtenMeanwhile(key: string, uploadId: string, operation: string, cause?: unknown): StorageError {
  return new StorageError(
    "NotFound",
    `${operation}: upload ${uploadId} for ${key} is gone: it was completed or aborted, or the key was written while the upload was in progress ` +
      "(any write of a blob discards its uncommitted blocks, so the upload's parts are gone); start again",
    { key, ...(cause === undefined ? {} : { cause }) },
  );
}
