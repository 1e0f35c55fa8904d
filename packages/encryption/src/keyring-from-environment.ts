import { StorageError } from "@stowage/core";
import { fromBase64 } from "./base64url.js";
import { keyring, type Keyring, type KeyringKey } from "./keyring.js";

/**
 * A keyring from an environment value such as `STORAGE_ENCRYPTION_KEYS`:
 * `"id1:base64secret,id2:base64secret"`. The first key is the primary
 * unless `primary` names another. Throws `InvalidArgument` for an empty or
 * malformed value (never echoing a secret).
 */
export function keyringFromEnvironment(value: string | undefined, options: { primary?: string } = {}): Keyring {
  if (typeof value !== "string" || value.trim() === "") {
    throw new StorageError("InvalidArgument", "STORAGE_ENCRYPTION_KEYS is empty: set it to id:base64secret[,id:base64secret...] (make a secret with `openssl rand -base64 32`)");
  }
  const keys: KeyringKey[] = value.split(",").map((entry, index) => {
    const text = entry.trim();
    const colon = text.indexOf(":");
    if (colon <= 0) throw new StorageError("InvalidArgument", `STORAGE_ENCRYPTION_KEYS entry ${index + 1} is not id:base64secret`);
    const id = text.slice(0, colon);
    const secret = fromBase64(text.slice(colon + 1).trim());
    if (secret === undefined) throw new StorageError("InvalidArgument", `STORAGE_ENCRYPTION_KEYS: the secret of key ${id} is not base64`);
    return { id, secret };
  });
  return keyring(options.primary === undefined ? { keys } : { keys, primary: options.primary });
}
