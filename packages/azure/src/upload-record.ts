import type { DriverCreateUploadOptions, DriverPutOptions } from "@stowage/core";
import { decodeBlockId, payloadLength, type BlockId } from "./block-ids.js";
import type { ListedBlock } from "./block-list.js";
import { base64ToBytes, bytesToBase64 } from "./shared-key.js";

/** What an upload session fixes at creation; it travels in the ids of its `r` blocks. */
export interface UploadRecord {
  contentType: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  metadata: Record<string, string>;
  /** ISO time of createUpload. */
  initiated: string;
  /**
   * The key's etag when the upload was created, "" when it did not exist:
   * complete commits only if the key is still as it was (Azure discards a
   * blob's uncommitted blocks when the blob is written, Azurite does not
   * on Put Blob; the condition makes both end the session).
   */
  base: string;
}

/** One attempt at a part: the block that holds it. */
export interface StagedPart {
  /** The base64 block id. */
  name: string;
  /** The attempt's nonce (time-sortable), the part's etag. */
  nonce: string;
  size: number;
}

/** An upload session as one Get Block List shows it. */
export interface SessionBlocks {
  record: UploadRecord | undefined;
  aborted: boolean;
  /** The latest attempt of each part number. */
  parts: Map<number, StagedPart>;
}

/** Characters of a part nonce: 9 of base-36 milliseconds (sortable), then random ones; one more marks an empty part. */
export const nonceLength = 20;
/** The payload marker of an empty part (Azure stages no empty block, so it is a 1-byte block committed as nothing). */
export const emptyMarker = "z";

/** The record of a new upload. */
export function recordOf(options: DriverCreateUploadOptions, initiated: Date, base: string): UploadRecord {
  const record: UploadRecord = { contentType: options.contentType, metadata: { ...options.metadata }, initiated: initiated.toISOString(), base };
  if (options.cacheControl !== undefined) record.cacheControl = options.cacheControl;
  if (options.contentDisposition !== undefined) record.contentDisposition = options.contentDisposition;
  if (options.contentEncoding !== undefined) record.contentEncoding = options.contentEncoding;
  return record;
}

/** The record as payload slices of base64url JSON, one per `r` block. */
export function recordChunks(record: UploadRecord): string[] {
  const encoded = bytesToBase64(new TextEncoder().encode(JSON.stringify(record))).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
  const chunks: string[] = [];
  for (let offset = 0; offset < encoded.length; offset += payloadLength) chunks.push(encoded.slice(offset, offset + payloadLength));
  return chunks;
}

/** The record from its chunks (seq order), or undefined when some are missing (a createUpload that failed half-way). */
export function parseRecord(chunks: Map<number, string>): UploadRecord | undefined {
  let encoded = "";
  for (let seq = 0; seq < chunks.size; seq++) {
    const chunk = chunks.get(seq);
    if (chunk === undefined) return undefined;
    encoded += chunk;
  }
  try {
    const base64 = encoded.replaceAll("-", "+").replaceAll("_", "/");
    const value: unknown = JSON.parse(new TextDecoder().decode(base64ToBytes(base64 + "=".repeat((4 - (base64.length % 4)) % 4))));
    if (value === null || typeof value !== "object") return undefined;
    const record = value as UploadRecord;
    if (typeof record.contentType !== "string" || typeof record.initiated !== "string" || typeof record.base !== "string" || record.metadata === null || typeof record.metadata !== "object") return undefined;
    return record;
  } catch {
    return undefined;
  }
}

/** Every upload session among a blob's uncommitted blocks, by upload id (put()'s `b` blocks and foreign ids are ignored). */
export function sessionsOf(blocks: readonly ListedBlock[]): Map<string, SessionBlocks> {
  const found = new Map<string, { chunks: Map<number, string>; aborted: boolean; parts: Map<number, StagedPart> }>();
  for (const block of blocks) {
    const id: BlockId | undefined = decodeBlockId(block.name);
    if (id === undefined || id.kind === "b") continue;
    let session = found.get(id.owner);
    if (session === undefined) found.set(id.owner, (session = { chunks: new Map(), aborted: false, parts: new Map() }));
    if (id.kind === "r") session.chunks.set(id.seq, id.payload);
    else if (id.kind === "x") session.aborted = true;
    else {
      const nonce = id.payload.slice(0, nonceLength);
      const size = id.payload.slice(nonceLength) === emptyMarker ? 0 : block.size;
      const latest = session.parts.get(id.seq);
      if (latest === undefined || nonce > latest.nonce) session.parts.set(id.seq, { name: block.name, nonce, size });
    }
  }
  const sessions = new Map<string, SessionBlocks>();
  for (const [owner, session] of found) sessions.set(owner, { record: parseRecord(session.chunks), aborted: session.aborted, parts: session.parts });
  return sessions;
}

/** The record as put options: the fields and metadata Put Block List stores (conditions are the caller's). */
export function putOptionsOf(record: UploadRecord): DriverPutOptions {
  return {
    contentType: record.contentType,
    metadata: { ...record.metadata },
    ...(record.cacheControl === undefined ? {} : { cacheControl: record.cacheControl }),
    ...(record.contentDisposition === undefined ? {} : { contentDisposition: record.contentDisposition }),
    ...(record.contentEncoding === undefined ? {} : { contentEncoding: record.contentEncoding }),
  };
}
