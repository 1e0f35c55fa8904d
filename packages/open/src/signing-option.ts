import { toUrlSigner, type HmacSecret, type UrlSigner } from "@stowage/core";
import { invalid } from "./config-values.js";
import type { OpenStorageConfig } from "./open-storage-config.js";

export function signingOption(options: OpenStorageConfig, env: Record<string, string | undefined>): { signing?: UrlSigner } {
  if (options.signing !== undefined) return { signing: toUrlSigner(options.signing) };
  const secrets = env.STORAGE_SIGNING_SECRETS;
  const baseUrl = env.STORAGE_SIGNING_BASE_URL;
  if (!secrets || !baseUrl) return {};
  return { signing: toUrlSigner({ secrets: parseSecrets(secrets), baseUrl }) };
}

/** `STORAGE_SIGNING_SECRETS`: comma-separated `id:secret` pairs, newest first (the first signs, all verify). */
function parseSecrets(text: string): HmacSecret[] {
  return text.split(",").map((entry) => {
    const colon = entry.indexOf(":");
    if (colon <= 0) throw invalid('STORAGE_SIGNING_SECRETS must be comma-separated "id:secret" pairs, newest first');
    return { id: entry.slice(0, colon).trim(), secret: entry.slice(colon + 1).trim() };
  });
}
