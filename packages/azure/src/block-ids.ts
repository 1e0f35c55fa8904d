import { bytesToBase64, base64ToBytes } from "./shared-key.js";

/**
 * The one shape of every block id this driver stages: 64 ASCII bytes
 * (Azure's maximum), base64-encoded on the wire. Azure (and Azurite) refuse
 * block ids of different lengths on one blob (InvalidBlobOrBlock), so put()'s
 * staged blocks and upload sessions' blocks share this layout:
 *
 * `${owner: 12 chars}${kind: 1 char}${seq: 5 digits}${payload: 46 chars}`
 *
 * - owner: put()'s random id, or an upload session's id;
 * - kind: `b` a put() block (seq = its index), `r` a chunk of an upload's
 *   record (seq = chunk index, payload = a slice of base64url JSON), `p` an
 *   upload's part (seq = part number, payload = the attempt's nonce), `x` an
 *   aborted upload's tombstone;
 * - payload: padded with `.` to 46 characters.
 */
export interface BlockId {
  owner: string;
  kind: BlockKind;
  seq: number;
  payload: string;
}

export type BlockKind = "b" | "r" | "p" | "x";

/** The decoded length of every block id. */
export const blockIdLength = 64;
/** Characters of the owner (put() or upload id). */
export const ownerLength = 12;
/** Characters of the payload. */
export const payloadLength = 46;
/** The largest sequence number (5 digits). */
export const maxSeq = 99_999;

const ownerPattern = /^[a-z0-9]{12}$/;
const idPattern = /^([a-z0-9]{12})([brpx])(\d{5})([A-Za-z0-9_.-]{46})$/;

/** A random owner id: 12 lowercase base-36 characters. */
export function randomOwner(): string {
  return randomBase36(ownerLength);
}

/** `length` random lowercase base-36 characters. */
export function randomBase36(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return [...bytes].map((byte) => (byte % 36).toString(36)).join("");
}

/** Whether `value` has the shape of an owner (upload) id. */
export function isOwner(value: string): boolean {
  return ownerPattern.test(value);
}

/** The base64 block id (as sent in `blockid` and the block list) of these parts. */
export function encodeBlockId(id: BlockId): string {
  if (!isOwner(id.owner)) throw new Error(`block id owner must be ${ownerLength} base-36 characters`);
  if (!Number.isInteger(id.seq) || id.seq < 0 || id.seq > maxSeq) throw new Error(`block id seq must be 0-${maxSeq}`);
  if (id.payload.length > payloadLength || !/^[A-Za-z0-9_.-]*$/.test(id.payload)) throw new Error("block id payload too long or not base64url");
  const ascii = `${id.owner}${id.kind}${String(id.seq).padStart(5, "0")}${id.payload.padEnd(payloadLength, ".")}`;
  return bytesToBase64(new TextEncoder().encode(ascii));
}

/** The parts of a base64 block id this driver staged (payload without padding), or undefined for any other. */
export function decodeBlockId(encoded: string): BlockId | undefined {
  let ascii: string;
  try {
    ascii = new TextDecoder("utf-8", { fatal: true }).decode(base64ToBytes(encoded));
  } catch {
    return undefined;
  }
  const match = idPattern.exec(ascii);
  if (match === null) return undefined;
  return { owner: match[1]!, kind: match[2] as BlockKind, seq: Number(match[3]), payload: match[4]!.replace(/\.+$/, "") };
}
