import { bufferSource } from "./buffer-source.js";
import { StorageError } from "@stowage/core";

/** The shortest secret a keyring accepts, in bytes. */
export const minKeySecretBytes = 32;

/** One key-encryption key's source: an id recorded on every object it wraps, and a secret of at least 32 bytes. */
export interface KeyringKey {
  /** 1-64 characters of `[A-Za-z0-9._-]`. */
  id: string;
  /** At least 32 random bytes (`openssl rand -base64 32`); a string is used as its UTF-8 bytes. */
  secret: Uint8Array | string;
}

export interface KeyringOptions {
  keys: readonly KeyringKey[];
  /** The id new objects are wrapped under; default the first key's. */
  primary?: string;
}

/**
 * The key-encryption keys (KEKs) a `withEncryption` layer wraps and unwraps
 * data keys with. Every key unwraps; the primary wraps new objects.
 */
export interface Keyring {
  /** The id new objects are wrapped under. */
  readonly primary: string;
  /** Every key id, primary first. */
  readonly ids: readonly string[];
  /** The AES-256-GCM KEK for `id` (HKDF-SHA-256 of its secret); `PermissionDenied` for an id not in the keyring. */
  kek(id: string): Promise<CryptoKey>;
}

const keyIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

/** A key-id problem, or undefined. */
export function keyIdProblem(id: unknown): string | undefined {
  return typeof id === "string" && keyIdPattern.test(id) ? undefined : `a key id must be 1-64 characters of [A-Za-z0-9._-] (got ${JSON.stringify(id)})`;
}

/**
 * A keyring from secrets. Throws `InvalidArgument` for a malformed or
 * repeated id, a secret shorter than 32 bytes, or a `primary` not among the keys.
 *
 * ```ts
 * const keys = keyring({ keys: [{ id: "2026-11", secret: process.env.KEK! }] });
 * ```
 */
export function keyring(options: KeyringOptions): Keyring {
  if (options === null || typeof options !== "object" || !Array.isArray(options.keys) || options.keys.length === 0) {
    throw new StorageError("InvalidArgument", "keyring needs { keys: [{ id, secret }, ...] } with at least one key");
  }
  const secrets = new Map<string, Uint8Array>();
  for (const key of options.keys) {
    const problem = keyIdProblem(key?.id);
    if (problem !== undefined) throw new StorageError("InvalidArgument", `keyring: ${problem}`);
    if (secrets.has(key.id)) throw new StorageError("InvalidArgument", `keyring: the key id ${key.id} appears twice`);
    const secret = typeof key.secret === "string" ? new TextEncoder().encode(key.secret) : key.secret;
    if (!(secret instanceof Uint8Array) || secret.length < minKeySecretBytes) {
      throw new StorageError(
        "InvalidArgument",
        `keyring: the secret of key ${key.id} is shorter than ${minKeySecretBytes} bytes; make one with \`openssl rand -base64 32\``,
      );
    }
    secrets.set(key.id, secret.slice());
  }
  const primary = options.primary ?? options.keys[0]!.id;
  if (!secrets.has(primary)) throw new StorageError("InvalidArgument", `keyring: the primary key ${primary} is not among the keys`);
  const ids = [primary, ...[...secrets.keys()].filter((id) => id !== primary)];
  const derived = new Map<string, Promise<CryptoKey>>();
  return Object.freeze({
    primary,
    ids: Object.freeze(ids),
    kek(id: string): Promise<CryptoKey> {
      const secret = secrets.get(id);
      if (secret === undefined) {
        return Promise.reject(new StorageError("PermissionDenied", `key ${id} is not in the keyring (add it to STORAGE_ENCRYPTION_KEYS)`));
      }
      let found = derived.get(id);
      if (found === undefined) {
        found = deriveKek(secret, id);
        derived.set(id, found);
      }
      return found;
    },
  });
}

/** HKDF-SHA-256(ikm = secret, salt = empty, info = "stowage-enc/1 kek " + id), 32 bytes, as an AES-GCM key. */
export async function deriveKek(secret: Uint8Array, id: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", bufferSource(secret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode(`stowage-enc/1 kek ${id}`) },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}
