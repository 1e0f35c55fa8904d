import { createSignedUrlHandler, type SignedUrlHandler } from "@stowage/http";
import { serveHandler } from "@stowage/http/node";
import type { CommandContext, CommandModule } from "../command.js";
import { UsageError } from "../errors.js";
import { locationOpener } from "../location.js";
import { writeJson, writeLine } from "../output.js";
import { parseSigningSecrets } from "../serve-secrets.js";

const usage = `stowage serve file:./data [--port P] [--host H] [--cors ORIGIN]...

Serves signed URLs over a local root: a local "bucket" for development. The
handler (createSignedUrlHandler from @stowage/http) answers the URLs that
\`stowage sign\` (or your app, with the same variables) mints: GET/HEAD with
ranges, PUT with the signed content type, size and one-time limits.

  --port P         port to listen on (default 8787; 0 picks a free one)
  --host H         address to listen on (default 127.0.0.1)
  --cors ORIGIN    let pages on ORIGIN (https://app.example.com, or *) use the
                   URLs from a browser (preflights answered); repeatable

Environment:
  STORAGE_SIGNING_SECRETS   id:secret pairs, newest first (required)
  STORAGE_SIGNING_BASE_URL  the URL signed URLs point at (default: the served
                            origin, http://H:P); its path is where the handler
                            is mounted, for use behind a proxy

Ctrl-C stops the server.`;

function portOf(value: unknown): number {
  if (value === undefined) return 8787;
  const text = String(value);
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new UsageError(`--port takes a port number from 0 to 65535, not "${text}"`);
  return Number(text);
}

function corsOf(values: unknown): { origins: string[] | "*" } | undefined {
  const origins = (values as string[] | undefined) ?? [];
  if (origins.length === 0) return undefined;
  return { origins: origins.includes("*") ? "*" : origins };
}

function basePathOf(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UsageError(`STORAGE_SIGNING_BASE_URL must be an absolute http(s) URL, not "${baseUrl}"`);
  }
  return url.pathname.replace(/\/+$/, "") || "/";
}

function waitForAbort(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
}

async function run(values: Record<string, unknown>, positionals: string[], context: CommandContext): Promise<number> {
  if (positionals.length !== 1) throw new UsageError("serve takes one storage URL: stowage serve file:./data (see stowage serve --help)");
  const url = positionals[0]!;
  if (!/^(file|memory):/i.test(url) || url.includes("#")) {
    throw new UsageError(`serve serves a local root (file:./data, or memory:// for a throwaway one), not "${url}"; S3 and R2 sign URLs themselves`);
  }
  const secrets = parseSigningSecrets(context.env.STORAGE_SIGNING_SECRETS);
  const cors = corsOf(values.cors);
  const host = typeof values.host === "string" ? values.host : "127.0.0.1";
  let handler: SignedUrlHandler | undefined;
  const server = await serveHandler((request) => handler!(request), { host, port: portOf(values.port) });
  try {
    const baseUrl = context.env.STORAGE_SIGNING_BASE_URL || server.url;
    const basePath = basePathOf(baseUrl);
    // The storage signs for the served origin, so `stowage serve` alone makes its own URLs work.
    const open = locationOpener({ env: { ...context.env, STORAGE_SIGNING_BASE_URL: baseUrl }, cwd: context.cwd });
    const location = await open(url);
    if (location.kind !== "storage") throw new UsageError(`serve needs a storage URL, not "${url}"`);
    handler = createSignedUrlHandler(location.storage, { secrets, basePath, ...(cors === undefined ? {} : { cors }) });
    if (context.json) {
      writeJson(context.stdout, { url: server.url, baseUrl, storage: url, cors: cors?.origins ?? null });
    } else {
      writeLine(context.stdout, `serving ${url} at ${server.url}${cors === undefined ? "" : ` (CORS: ${cors.origins === "*" ? "*" : cors.origins.join(", ")})`}`);
      writeLine(context.stdout, `sign URLs for it with: STORAGE_SIGNING_BASE_URL=${baseUrl} stowage sign put ${url}#key`);
      writeLine(context.stdout, "Ctrl-C stops the server");
    }
    await waitForAbort(context.signal);
  } finally {
    await server.close();
  }
  if (!context.json) writeLine(context.stderr, "stowage: server stopped");
  return 0;
}

/** `stowage serve file:./data`: the signed-URL handler over a local root. */
export const command: CommandModule = {
  summary: "serve signed URLs over a local root (a development bucket)",
  usage,
  options: {
    port: { type: "string" },
    host: { type: "string" },
    cors: { type: "string", multiple: true },
  },
  allowPositionals: true,
  run,
};
