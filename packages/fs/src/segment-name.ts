import { createHash } from "node:crypto";

/**
 * How one key segment is named on disk.
 *
 * - In the `bytes` encoding (for file systems that compare names as bytes:
 *   ext4, xfs, btrfs, tmpfs), `%` and the characters Windows forbids in names
 *   (`\ : * ? " < > |`) are written as `%XX` (uppercase hex); every other
 *   character is kept as is, so names stay readable and NFC/NFD forms stay
 *   distinct bytes.
 * - In the `portable` encoding (for case-insensitive or normalizing file
 *   systems: macOS APFS, Windows NTFS), uppercase ASCII letters and every
 *   byte of a non-ASCII character are escaped too, so every name is plain
 *   ASCII without uppercase letters and no two keys share a name.
 * - An object is a file with the encoded name; a "directory" (the keys
 *   under `segment/`) is a directory with the encoded name plus a trailing
 *   `%`. A key and its directory therefore coexist (`a`, `a%/b`).
 * - A name longer than {@link maxPlainNameBytes} bytes (ext4 allows 255)
 *   keeps a readable head, then `%~` and a hash of the whole segment. The
 *   full key is in the object's header.
 * - Names that start with `%` followed by a character that is not an
 *   uppercase hex digit are reserved for the driver (temporary files, locks,
 *   the layout file) and are never objects.
 */
export const maxPlainNameBytes = 200;
const hashedHeadBytes = 96;
const hexDigit = /[0-9A-F]/;

/** The suffix of a directory name. */
export const directorySuffix = "%";

export type SegmentEncoding = "bytes" | "portable";

export interface ParsedName {
  kind: "object" | "directory";
  /** The decoded segment; undefined when the name is hashed (long segment). */
  segment: string | undefined;
}

/** Encodes key segments to names and back, in one encoding. */
export class SegmentCodec {
  /** Characters that are escaped. */
  private readonly escaped: RegExp;
  /** True for a name without `%` that this encoding would have escaped. */
  private readonly needsEscape: RegExp;

  constructor(readonly encoding: SegmentEncoding) {
    if (encoding === "bytes") {
      this.escaped = /[%\\:*?"<>|]/g;
      this.needsEscape = /[\\:*?"<>|]/;
    } else {
      this.escaped = /[^\x20-\x7e]|[%\\:*?"<>|A-Z]/gu;
      this.needsEscape = /[^\x20-\x7e]|[\\:*?"<>|A-Z]/;
    }
  }

  encode(segment: string): string {
    const body = segment.replace(this.escaped, escapeCharacter);
    if (Buffer.byteLength(body) <= maxPlainNameBytes) return body;
    return `${readableHead(body)}%~${segmentHash(segment)}`;
  }

  /** The on-disk name of the directory that holds the keys under `segment/`. */
  directoryName(segment: string): string {
    return this.encode(segment) + directorySuffix;
  }

  /**
   * Reads a directory entry's name. Returns undefined for reserved names and
   * for names this encoding never produces (foreign files).
   */
  parse(name: string): ParsedName | undefined {
    if (name.length === 0) return undefined;
    if (name.charCodeAt(0) === 0x25 && !hexDigit.test(name.charAt(1))) return undefined;
    const isDirectory = name.endsWith(directorySuffix);
    const body = isDirectory ? name.slice(0, -1) : name;
    if (body.length === 0) return undefined;
    const kind = isDirectory ? "directory" : "object";
    if (body.indexOf("%") === -1) {
      // The common case, no escapes: canonical unless it holds a character
      // that needs one, is too long to be a plain name, or is "." or "..".
      if (this.needsEscape.test(body) || body === "." || body === "..") return undefined;
      if (body.length * 3 > maxPlainNameBytes && Buffer.byteLength(body) > maxPlainNameBytes) return undefined;
      return { kind, segment: body };
    }
    const hashAt = body.indexOf("%~");
    if (hashAt >= 0) {
      return hashAt > 0 && /^[a-z2-7]{26}$/.test(body.slice(hashAt + 2)) ? { kind, segment: undefined } : undefined;
    }
    const segment = unescape(body);
    // Only canonical names are objects: this rejects foreign names such as
    // "%2E%2E" (which would decode to "..") or "a%zz".
    if (segment === undefined || segment === "." || segment === ".." || this.encode(segment) !== body) return undefined;
    return { kind, segment };
  }
}

const codecs: Record<SegmentEncoding, SegmentCodec> = {
  bytes: new SegmentCodec("bytes"),
  portable: new SegmentCodec("portable"),
};

/** The codec of an encoding. */
export function segmentCodec(encoding: SegmentEncoding): SegmentCodec {
  return codecs[encoding];
}

/** `%XX` for each UTF-8 byte of a character. */
function escapeCharacter(character: string): string {
  let out = "";
  for (const byte of Buffer.from(character, "utf8")) out += `%${byte < 16 ? "0" : ""}${byte.toString(16).toUpperCase()}`;
  return out;
}

/** Decodes runs of `%XX` as UTF-8 bytes; undefined when they are not valid UTF-8. */
function unescape(body: string): string | undefined {
  let invalid = false;
  const text = body.replace(/(?:%[0-9A-F]{2})+/g, (run) => {
    const bytes = Buffer.from(run.replace(/%/g, ""), "hex");
    const decoded = bytes.toString("utf8");
    if (decoded.includes("\ufffd") && !Buffer.from(decoded, "utf8").equals(bytes)) invalid = true;
    return decoded;
  });
  return invalid ? undefined : text;
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
