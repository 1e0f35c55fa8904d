import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Storage } from "@stowage/core";
import { openStorage } from "@stowage/open";
import { createSignedUrlHandler, type SignedUrlHandler } from "@stowage/http";
import { serveHandler } from "@stowage/http/node";

/** How the storage under test signs URLs, for the report. */
export interface SigningSetup {
  /** The storage to run against (reopened with a signer when one was served locally). */
  storage: Storage;
  /** In words: `native`, `from STORAGE_SIGNING_SECRETS`, `served locally at …`, or `off`. */
  description: string;
  /** Stops the local server, if one was started. */
  close(): Promise<void>;
}

/**
 * For `file:` and `memory://` storages opened without signing (no
 * `STORAGE_SIGNING_SECRETS` / `STORAGE_SIGNING_BASE_URL`), the signed-URL
 * cases would all be skipped: instead the command serves
 * `createSignedUrlHandler` itself on a random 127.0.0.1 port with a fresh
 * random secret, and reopens the storage signing for it, so those cases run
 * over real HTTP. Any other storage is used as it is: S3 presigns natively,
 * a `module:` driver signs as its module set it up, and with the variables
 * set the URLs go to STORAGE_SIGNING_BASE_URL (serve them there, for example
 * with `stowage serve` and the same variables).
 */
export async function prepareSigning(
  storage: Storage,
  storageUrl: string,
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<SigningSetup> {
  const signs = storage.capabilities.signGet || storage.capabilities.signPut;
  const local = /^(file|memory):/i.test(storageUrl);
  if (signs) {
    const description = local ? "from STORAGE_SIGNING_SECRETS (served at STORAGE_SIGNING_BASE_URL)" : "native (the driver's own)";
    return { storage, description, close: async () => {} };
  }
  if (!local || (env.STORAGE_SIGNING_SECRETS && env.STORAGE_SIGNING_BASE_URL)) {
    return { storage, description: "off (the driver signs no URLs)", close: async () => {} };
  }
  const secretBytes = crypto.getRandomValues(new Uint8Array(32));
  const secrets = [{ id: "conformance", secret: Array.from(secretBytes, (byte) => byte.toString(16).padStart(2, "0")).join("") }];
  let handler: SignedUrlHandler | undefined;
  const server = await serveHandler((request) => handler!(request));
  const basePath = "/__storage";
  try {
    const signed = await openStorage({ url: absoluteFileUrl(storageUrl, cwd), env, signing: { secrets, baseUrl: `${server.url}${basePath}` } });
    handler = createSignedUrlHandler(signed, { secrets, basePath });
    return { storage: signed, description: `served locally at ${server.url}${basePath} (a random secret for this run)`, close: server.close };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** `file:./rel` made absolute against the CLI's working directory, as the location opener does. */
function absoluteFileUrl(url: string, cwd: string): string {
  const match = /^file:(?!\/)([^?]*)(\?.*)?$/i.exec(url);
  if (match === null || match[1] === "") return url;
  const path = decodeURIComponent(match[1]!);
  return `${pathToFileURL(isAbsolute(path) ? path : resolve(cwd, path)).href}${match[2] ?? ""}`;
}
