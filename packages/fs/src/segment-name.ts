import { createHash } from "node:crypto";

/**
 * How one key segment is named on disk.
 *
 * - `%` and the characters Windows forbids in names (`\ : * ? " < > |`) are
 *   written as `%XX` (uppercase hex); every other character is kept as is,
 *   so names stay readable and NFC/NFD forms stay distinct bytes.
 * - An object is a file with the encoded name; a "directory" (the keys
 *   under `segment/`) is a directory with the encoded name plus a trailing
 *   `%`. A key and its directory therefore coexist (`a`, `a%/b`).
 * - A name longer than {@link maxPlainNameBytes} bytes (ext4 allows 255)
 *   keeps a readable head, then `%~` and a hash of the whole segment. The
 *   full key is in the object's header.
 * - Names that start with `%` followed by a character that is not a hex
 *   digit are reserved for the driver (temporary files, locks) and are never
 *   objects.
 */
export const maxPlainNameBytes = 200;
const hashedHeadBytes = 96;
const escaped = /[%\\:*?"<>|]/g;
const escapeSequence = /%([0-9A-F]{2})/g;
const hexDigit = /[0-9A-F]/;
const unescaped = /[\\:*?"<>|]/;

/** The suffix of a directory name. */
export const directorySuffix = "%";
/** The prefix of every name the driver reserves. */
export const reservedPrefix = "%";

export function encodeSegment(segment: string): string {
  const body = segment.replace(escaped, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
  if (Buffer.byteLength(body) <= maxPlainNameBytes) return body;
  return `${readableHead(body)}%~${segmentHash(segment)}`;
}

/** The on-disk name of the directory that holds the keys under `segment/`. */
export function directoryName(segment: string): string {
  return encodeSegment(segment) + directorySuffix;
}

export interface ParsedName {
  kind: "object" | "directory";
  /** The decoded segment; undefined when the name is hashed (long segment). */
  segment: string | undefined;
}

/**
 * Reads a directory entry's name. Returns undefined for reserved names and
 * for names this encoding never produces (foreign files).
 */
export function parseName(name: string): ParsedName | undefined {
  if (name.length === 0) return undefined;
  if (name.charCodeAt(0) === 0x25 && !hexDigit.test(name.charAt(1))) return undefined;
  const isDirectory = name.endsWith(directorySuffix);
  const body = isDirectory ? name.slice(0, -1) : name;
  if (body.length === 0) return undefined;
  const kind = isDirectory ? "directory" : "object";
  if (body.indexOf("%") === -1) {
    // The common case, no escapes: canonical unless it holds a character
    // that needs one, is too long to be a plain name, or is "." or "..".
    if (unescaped.test(body) || body === "." || body === "..") return undefined;
    if (body.length * 3 > maxPlainNameBytes && Buffer.byteLength(body) > maxPlainNameBytes) return undefined;
    return { kind, segment: body };
  }
  const hashAt = body.indexOf("%~");
  if (hashAt >= 0) {
    return hashAt > 0 && /^[a-z2-7]{26}$/.test(body.slice(hashAt + 2)) ? { kind, segment: undefined } : undefined;
  }
  const segment = body.replace(escapeSequence, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  // Only canonical names are objects: this rejects foreign names such as
  // "%2E%2E" (which would decode to "..") or "a%zz".
  if (segment === "." || segment === ".." || encodeSegment(segment) !== body) return undefined;
  return { kind, segment };
}

function readableHead(body: string): string {
  let bytes = 0;
  let index = 0;
  while (index < body.length) {
    let unit: number;
    const code = body.charCodeAt(index);
    if (code === 0x25) unit = 3;
    else if (code >= 0xd800 && code <= 0xdbff) unit = 2;
    else unit = 1;
    const unitBytes = Buffer.byteLength(body.slice(index, index + unit));
    if (bytes + unitBytes > hashedHeadBytes) break;
    bytes += unitBytes;
    index += unit;
  }
  return body.slice(0, index);
}

const base32 = "abcdefghijklmnopqrstuvwxyz234567";

function segmentHash(segment: string): string {
  const digest = createHash("sha256").update(segment, "utf8").digest();
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of digest) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += base32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= 0xff;
    if (out.length === 26) break;
  }
  return out;
}
