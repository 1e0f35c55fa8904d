import type { ObjectInfo } from "@stowage/core";

/**
 * Every object is one file: a header, then the body. The header is
 *
 * | bytes | field |
 * |---|---|
 * | 0-7 | magic `STOWAGE1` |
 * | 8-11 | header length in bytes (where the body starts), uint32 BE |
 * | 12-15 | reserved, 0 |
 * | 16-23 | body size, float64 BE |
 * | 24-31 | lastModified, ms since the epoch, float64 BE |
 * | 32-47 | version token: 16 random bytes drawn for each put (the etag, in hex) |
 * | 48-63 | reserved, 0 |
 * | 64- | JSON: key, content type, content-* fields, user metadata; then spaces up to the header length |
 *
 * Data and metadata live in one inode, so the rename that publishes a put
 * replaces both at once. Files written before version tokens hold the
 * body's SHA-256 at 32-63; their etag (its first 16 bytes) reads the same way.
 */
export const fixedHeaderBytes = 64;
const magic = Buffer.from("STOWAGE1", "latin1");
/** Largest header accepted when reading (key 1 KiB, metadata 2 KiB, headers). */
export const maxHeaderBytes = 256 * 1024;

export interface HeaderFields {
  key: string;
  contentType: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  metadata: Record<string, string>;
}

interface HeaderJson {
  k: string;
  t: string;
  cc?: string;
  cd?: string;
  ce?: string;
  m: Record<string, string>;
}

export interface ParsedHeader {
  info: ObjectInfo;
  /** Where the body starts in the file. */
  dataOffset: number;
}

/**
 * New headers leave at least this many bytes of room after their JSON
 * (spaces, which JSON ignores), rounded up to a multiple of
 * {@link headerAlignment}: a copy whose header (new key, new fields) still
 * fits rewrites the header of a cloned file in place instead of copying
 * the body through this process.
 */
const headerRoom = 64;
const headerAlignment = 256;

function headerText(fields: HeaderFields): Buffer {
  const json: HeaderJson = { k: fields.key, t: fields.contentType, m: fields.metadata };
  if (fields.cacheControl !== undefined) json.cc = fields.cacheControl;
  if (fields.contentDisposition !== undefined) json.cd = fields.contentDisposition;
  if (fields.contentEncoding !== undefined) json.ce = fields.contentEncoding;
  return Buffer.from(JSON.stringify(json), "utf8");
}

/** The fewest bytes a header with these fields takes (no room after the JSON). */
export function headerBytesNeeded(fields: HeaderFields): number {
  return fixedHeaderBytes + headerText(fields).byteLength;
}

/**
 * Builds a header; size, time and version can be filled in later with
 * {@link sealHeader}. It is `length` bytes long when given (at least
 * {@link headerBytesNeeded}), else the JSON plus some room (see
 * {@link headerRoom}). The JSON is padded with spaces: the length field
 * says where the body starts.
 */
export function buildHeader(fields: HeaderFields, length?: number): Buffer {
  const text = headerText(fields);
  const needed = fixedHeaderBytes + text.byteLength;
  if (length === undefined) {
    const roomy = Math.ceil((needed + headerRoom) / headerAlignment) * headerAlignment;
    length = Math.max(needed, Math.min(roomy, maxHeaderBytes));
  } else if (length < needed) {
    throw new RangeError(`A header of ${needed} bytes does not fit in ${length}`);
  }
  const header = Buffer.alloc(length);
  magic.copy(header, 0);
  header.writeUInt32BE(length, 8);
  text.copy(header, fixedHeaderBytes);
  header.fill(0x20, needed);
  return header;
}

/** The 48 bytes at offset 16 that record size, time and the 16-byte version token. */
export function sealFields(size: number, lastModified: number, version: Buffer): Buffer {
  const sealed = Buffer.alloc(48);
  sealed.writeDoubleBE(size, 0);
  sealed.writeDoubleBE(lastModified, 8);
  version.copy(sealed, 16, 0, 16);
  return sealed;
}

export const sealOffset = 16;

/** Writes size, time and version token into a header built by {@link buildHeader}. */
export function sealHeader(header: Buffer, size: number, lastModified: number, version: Buffer): void {
  sealFields(size, lastModified, version).copy(header, sealOffset);
}

/** The header length recorded in the first bytes, or undefined if this is not an object file. */
export function headerLength(prefix: Uint8Array): number | undefined {
  if (prefix.byteLength < 12) return undefined;
  for (let index = 0; index < 8; index++) if (prefix[index] !== magic[index]) return undefined;
  const length = ((prefix[8]! << 24) | (prefix[9]! << 16) | (prefix[10]! << 8) | prefix[11]!) >>> 0;
  if (length < fixedHeaderBytes || length > maxHeaderBytes) return undefined;
  return length;
}

/** Parses a whole header; returns undefined when it is not a valid object header. */
export function parseHeader(bytes: Uint8Array): ParsedHeader | undefined {
  const length = headerLength(bytes);
  if (length === undefined || bytes.byteLength < length) return undefined;
  const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let json: HeaderJson;
  try {
    json = JSON.parse(view.toString("utf8", fixedHeaderBytes, length)) as HeaderJson;
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null || typeof json.k !== "string" || typeof json.t !== "string") return undefined;
  const info: ObjectInfo = {
    key: json.k,
    size: view.readDoubleBE(16),
    etag: view.toString("hex", 32, 48),
    lastModified: new Date(view.readDoubleBE(24)),
    contentType: json.t,
    metadata: typeof json.m === "object" && json.m !== null ? json.m : {},
  };
  if (json.cc !== undefined) info.cacheControl = json.cc;
  if (json.cd !== undefined) info.contentDisposition = json.cd;
  if (json.ce !== undefined) info.contentEncoding = json.ce;
  return { info, dataOffset: length };
}
