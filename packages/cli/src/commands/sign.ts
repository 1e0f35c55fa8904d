import type { SignedRequest } from "@stowage/core";
import type { CommandModule } from "../command.js";
import { UsageError } from "../errors.js";
import { expectPositionals, openObjectLocation } from "../location-args.js";
import { writeJson } from "../output.js";

const unitSeconds: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `--expires 900`, `90s`, `15m`, `2h`, `7d` in seconds. */
export function parseExpires(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (match === null) throw new UsageError(`--expires takes seconds or a number with s, m, h or d (15m), not "${text}"`);
  return Number(match[1]) * unitSeconds[match[2] || "s"]!;
}

function positiveInteger(text: string, option: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${option} takes a whole number of bytes, not "${text}"`);
  return Number(text);
}

function requestToJson(request: SignedRequest): Record<string, unknown> {
  return { ...request, expiresAt: request.expiresAt.toISOString() };
}

/** `stowage sign get|put URL#key`: prints the SignedRequest as JSON. */
export const command: CommandModule = {
  summary: "mint a signed GET or PUT URL (printed as JSON)",
  usage: [
    "Usage: stowage sign get [--expires T] [--filename NAME] URL#key",
    "       stowage sign put [--expires T] [--content-type TYPE] [--max-size BYTES] [--one-time] URL#key",
    "",
    "  --expires T          lifetime: seconds, or 15m, 2h, 7d (default: the storage's, 15 minutes)",
    "  --filename NAME      get: download as NAME (Content-Disposition: attachment)",
    "  --content-type TYPE  put: the upload must send this Content-Type",
    "  --max-size BYTES     put: the largest body accepted",
    "  --one-time           put: the URL works once",
    "",
    "Prints {\"url\", \"method\", \"headers\", \"fields\"?, \"expiresAt\"}; send the headers with the request.",
    "fs and memory sign with HMAC: set STORAGE_SIGNING_SECRETS and STORAGE_SIGNING_BASE_URL (see stowage serve).",
  ].join("\n"),
  options: {
    expires: { type: "string" },
    filename: { type: "string" },
    "content-type": { type: "string" },
    "max-size": { type: "string" },
    "one-time": { type: "boolean" },
  },
  allowPositionals: true,
  async run(values, positionals, context) {
    expectPositionals(positionals, 2, 2, "sign");
    const method = positionals[0]!.toLowerCase();
    if (method !== "get" && method !== "put") throw new UsageError(`sign takes get or put first, not "${positionals[0]}"`);
    const expiresIn = typeof values.expires === "string" ? parseExpires(values.expires) : undefined;
    const putOnly = ["content-type", "max-size", "one-time"].filter((name) => values[name] !== undefined);
    if (method === "get" && putOnly.length > 0) throw new UsageError(`--${putOnly[0]} is for sign put`);
    if (method === "put" && values.filename !== undefined) throw new UsageError("--filename is for sign get");
    const { storage, key } = await openObjectLocation(context, positionals[1], "sign");
    const request =
      method === "get"
        ? await storage.signGet(key, {
            ...(expiresIn === undefined ? {} : { expiresIn }),
            ...(typeof values.filename === "string" ? { downloadFilename: values.filename } : {}),
          })
        : await storage.signPut(key, {
            ...(expiresIn === undefined ? {} : { expiresIn }),
            ...(typeof values["content-type"] === "string" ? { contentType: values["content-type"] } : {}),
            ...(typeof values["max-size"] === "string" ? { maxSize: positiveInteger(values["max-size"], "--max-size") } : {}),
            ...(values["one-time"] === true ? { oneTime: true } : {}),
          });
    writeJson(context.stdout, requestToJson(request));
    return 0;
  },
};
