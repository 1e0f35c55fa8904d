import type { HmacSecret } from "@stowage/core";
import { UsageError } from "./errors.js";

/**
 * `STORAGE_SIGNING_SECRETS` as `openStorage` reads it: comma-separated
 * `id:secret` pairs, newest first (the first signs, all verify).
 */
export function parseSigningSecrets(text: string | undefined): HmacSecret[] {
  if (text === undefined || text.trim() === "") {
    throw new UsageError(
      "serve needs STORAGE_SIGNING_SECRETS (comma-separated id:secret pairs, newest first), the secrets `stowage sign` signs with; " +
        "for example: export STORAGE_SIGNING_SECRETS=dev:$(openssl rand -hex 32)",
    );
  }
  return text.split(",").map((entry) => {
    const colon = entry.indexOf(":");
    const id = entry.slice(0, colon).trim();
    const secret = entry.slice(colon + 1).trim();
    if (colon <= 0 || id === "" || secret === "") throw new UsageError('STORAGE_SIGNING_SECRETS must be comma-separated "id:secret" pairs, newest first');
    return { id, secret };
  });
}
