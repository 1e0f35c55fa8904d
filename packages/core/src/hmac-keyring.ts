import { StorageError } from "./storage-error.js";

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
 * The HMAC-SHA256 keys of a secret list, each imported into `crypto.subtle`
 * once (on first use) and cached. The first secret signs; every secret verifies.
 */
export class HmacKeyring {
  /** The id of the secret that signs (the first, newest one). */
  readonly signingId: string;
  private readonly material = new Map<string, Uint8Array<ArrayBuffer>>();
  private readonly keys = new Map<string, Promise<CryptoKey>>();
  private readonly imported = new Map<string, CryptoKey>();

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
      if (this.material.has(id)) throw new StorageError("InvalidArgument", `secret id ${JSON.stringify(id)} appears twice`);
      let bytes: Uint8Array<ArrayBuffer>;
      if (typeof secret === "string") bytes = textEncoder.encode(secret);
      else if (secret instanceof Uint8Array) bytes = new Uint8Array(secret);
      else throw new StorageError("InvalidArgument", `secret ${JSON.stringify(id)} must be a string or a Uint8Array`);
      if (bytes.byteLength < minSecretBytes) {
        throw new StorageError(
          "InvalidArgument",
          `secret ${JSON.stringify(id)} has ${bytes.byteLength} bytes; use at least ${minSecretBytes} random bytes`,
        );
      }
      this.material.set(id, bytes);
    }
    this.signingId = secrets[0]!.id;
  }

  has(id: string): boolean {
    return this.material.has(id);
  }

  private async importOnce(id: string): Promise<CryptoKey> {
    const key = await this.key(id);
    this.imported.set(id, key);
    return key;
  }

  /** The imported key for `id`, imported once and cached. */
  key(id: string): Promise<CryptoKey> {
    let key = this.keys.get(id);
    if (key === undefined) {
      const bytes = this.material.get(id);
      if (bytes === undefined) return Promise.reject(new StorageError("InvalidArgument", `no secret with id ${id}`));
      key = crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      this.keys.set(id, key);
    }
    return key;
  }

  /** HMAC-SHA256 of `text` (UTF-8) with the secret `id`, as unpadded base64url. */
  async sign(id: string, text: string): Promise<string> {
    const key = this.imported.get(id) ?? (await this.importOnce(id));
    const signature = await crypto.subtle.sign("HMAC", key, textEncoder.encode(text));
    return toBase64Url(new Uint8Array(signature));
  }
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
