import { StorageError } from "./storage-error.js";
import { Sha256 } from "./sha256.js";

/** One signing secret. `id` travels in every URL, so secrets can rotate. */
export interface HmacSecret {
  /** 1-64 characters of `A-Z a-z 0-9 . _ -`; unique in the list. */
  id: string;
  /** At least 32 bytes (a string counts its UTF-8 bytes). Never sent anywhere. */
  secret: string | Uint8Array;
}

/** The shortest secret accepted, in bytes (256 bits, the HMAC-SHA256 block strength). */
export const minSecretBytes = 32;

const secretIdPattern = /^[A-Za-z0-9._-]{1,64}$/;
const textEncoder = new TextEncoder();

/**
 * The HMAC-SHA256 keys of a secret list. Each key is processed once: its
 * inner and outer pads are pre-hashed and cached (RFC 2104), so signing a URL
 * costs two short SHA-256 runs. This is plain JavaScript on purpose: it is
 * synchronous and measured about 3× faster per URL than `crypto.subtle.sign`
 * in Node, whose every call hops to a worker thread. The first secret signs;
 * every secret verifies.
 */
export class HmacKeyring {
  /** The id of the secret that signs (the first, newest one). */
  readonly signingId: string;
  private readonly pads = new Map<string, { inner: Sha256; outer: Sha256 }>();

  constructor(secrets: readonly HmacSecret[]) {
    if (!Array.isArray(secrets) || secrets.length === 0) {
      throw new StorageError("InvalidArgument", "signing needs a non-empty list of secrets ({ id, secret }, newest first)");
    }
    for (const entry of secrets) {
      if (entry === null || typeof entry !== "object") throw new StorageError("InvalidArgument", "each secret must be { id, secret }");
      const { id, secret } = entry;
      if (typeof id !== "string" || !secretIdPattern.test(id)) {
        throw new StorageError("InvalidArgument", `secret id ${JSON.stringify(id)} must be 1-64 characters of A-Z a-z 0-9 . _ -`);
      }
      if (this.pads.has(id)) throw new StorageError("InvalidArgument", `secret id ${JSON.stringify(id)} appears twice`);
      let bytes: Uint8Array;
      if (typeof secret === "string") bytes = textEncoder.encode(secret);
      else if (secret instanceof Uint8Array) bytes = new Uint8Array(secret);
      else throw new StorageError("InvalidArgument", `secret ${JSON.stringify(id)} must be a string or a Uint8Array`);
      if (bytes.byteLength < minSecretBytes) {
        throw new StorageError(
          "InvalidArgument",
          `secret ${JSON.stringify(id)} has ${bytes.byteLength} bytes; use at least ${minSecretBytes} random bytes`,
        );
      }
      this.pads.set(id, hmacPads(bytes));
    }
    this.signingId = secrets[0]!.id;
  }

  has(id: string): boolean {
    return this.pads.has(id);
  }

  /** HMAC-SHA256 of `text` (UTF-8) with the secret `id`, as unpadded base64url. */
  async sign(id: string, text: string): Promise<string> {
    const pads = this.pads.get(id);
    if (pads === undefined) throw new StorageError("InvalidArgument", `no secret with id ${id}`);
    const inner = pads.inner.clone().update(textEncoder.encode(text)).digest();
    return toBase64Url(pads.outer.clone().update(inner).digest());
  }
}

/** The pre-hashed inner and outer pads of an HMAC-SHA256 key (RFC 2104). */
function hmacPads(secret: Uint8Array): { inner: Sha256; outer: Sha256 } {
  const block = new Uint8Array(64);
  block.set(secret.byteLength > 64 ? new Sha256().update(secret).digest() : secret);
  const innerPad = new Uint8Array(64);
  const outerPad = new Uint8Array(64);
  for (let index = 0; index < 64; index++) {
    innerPad[index] = block[index]! ^ 0x36;
    outerPad[index] = block[index]! ^ 0x5c;
  }
  return { inner: new Sha256().update(innerPad), outer: new Sha256().update(outerPad) };
}

const base64UrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Unpadded base64url. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = "";
  let index = 0;
  for (; index + 2 < bytes.length; index += 3) {
    const triple = (bytes[index]! << 16) | (bytes[index + 1]! << 8) | bytes[index + 2]!;
    out +=
      base64UrlAlphabet[triple >>> 18]! +
      base64UrlAlphabet[(triple >>> 12) & 63]! +
      base64UrlAlphabet[(triple >>> 6) & 63]! +
      base64UrlAlphabet[triple & 63]!;
  }
  const rest = bytes.length - index;
  if (rest === 1) {
    const value = bytes[index]!;
    out += base64UrlAlphabet[value >>> 2]! + base64UrlAlphabet[(value & 3) << 4]!;
  } else if (rest === 2) {
    const value = (bytes[index]! << 8) | bytes[index + 1]!;
    out += base64UrlAlphabet[value >>> 10]! + base64UrlAlphabet[(value >>> 4) & 63]! + base64UrlAlphabet[(value & 15) << 2]!;
  }
  return out;
}

/**
 * Compares two strings in time that depends only on their lengths (and the
 * length is not secret: every signature has 43 characters).
 */
export function constantTimeEqual(actual: string, expected: string): boolean {
  let difference = actual.length ^ expected.length;
  for (let index = 0; index < expected.length; index++) {
    difference |= (actual.charCodeAt(index) | 0) ^ expected.charCodeAt(index);
  }
  return difference === 0;
}
