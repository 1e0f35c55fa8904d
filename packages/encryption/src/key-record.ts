import { bufferSource } from "./buffer-source.js";
import { StorageError } from "@stowage/core";
import { fromBase64Url, toBase64Url } from "./base64url.js";
import { keyIdProblem, type Keyring } from "./keyring.js";

/** The inner object's user-metadata field that holds the record. Reserved: users cannot set it. */
export const recordField = "stowage-enc";

/** A parsed record: the KEK id and the wrapped data key (nonce || ciphertext || tag, 60 bytes). */
export interface KeyRecord {
  kid: string;
  wrapped: Uint8Array;
}

const wrappedBytes = 12 + 32 + 16;

/** `1.<kid>.<base64url(wrapped), no padding>`. */
export function formatRecord(record: KeyRecord): string {
  return `1.${record.kid}.${toBase64Url(record.wrapped)}`;
}

/** Parses a record; `Corrupted` when it is not one. */
export function parseRecord(text: string, key: string): KeyRecord {
  const last = text.lastIndexOf(".");
  const kid = text.slice(2, last);
  const wrapped = last > 2 && text.startsWith("1.") ? fromBase64Url(text.slice(last + 1)) : undefined;
  if (wrapped === undefined || wrapped.length !== wrappedBytes || keyIdProblem(kid) !== undefined) {
    throw new StorageError("Corrupted", `The encryption record of ${key} is malformed (not format 1)`, { key });
  }
  return { kid, wrapped };
}

function wrapAad(kid: string, objectKey: string): Uint8Array {
  return new TextEncoder().encode(`stowage-enc/1\n${kid}\n${objectKey}`);
}

/**
 * Wraps a 32-byte data key for `objectKey` under the keyring's KEK `kid`:
 * nonce || AES-GCM(KEK, dek, AAD = "stowage-enc/1\n" + kid + "\n" + objectKey).
 */
export async function wrapDataKey(keys: Keyring, kid: string, objectKey: string, dek: Uint8Array, nonce: Uint8Array): Promise<KeyRecord> {
  const kek = await keys.kek(kid);
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: bufferSource(nonce), additionalData: bufferSource(wrapAad(kid, objectKey)) }, kek, bufferSource(dek)));
  const wrapped = new Uint8Array(wrappedBytes);
  wrapped.set(nonce, 0);
  wrapped.set(sealed, 12);
  return { kid, wrapped };
}

/**
 * Unwraps the data key of `objectKey`: `PermissionDenied` for a kid not in
 * the keyring, `Corrupted` when it does not authenticate (another key's
 * record, a changed byte).
 */
export async function unwrapDataKey(keys: Keyring, record: KeyRecord, objectKey: string): Promise<Uint8Array> {
  const kek = await keys.kek(record.kid);
  try {
    const iv = record.wrapped.subarray(0, 12);
    const sealed = record.wrapped.subarray(12);
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: bufferSource(iv), additionalData: bufferSource(wrapAad(record.kid, objectKey)) }, kek, bufferSource(sealed)));
  } catch (error) {
    throw new StorageError("Corrupted", `The data key of ${objectKey} does not authenticate (its record was changed or belongs to another key)`, { key: objectKey, cause: error });
  }
}

/** Imports a data key for segment encryption and decryption. */
export function importDataKey(dek: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", bufferSource(dek), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}
