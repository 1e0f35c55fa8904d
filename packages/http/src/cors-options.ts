import { assertKnownOptions, StorageError } from "@stowage/core";

/** Which browser origins may use the signed URLs. */
export interface CorsOptions {
  /** Exact origins such as `"https://app.example.com"`, or `"*"` for any. */
  origins: readonly string[] | "*";
  /** Seconds a browser may cache a preflight answer. Default 600. */
  maxAge?: number;
  /**
   * The request headers a page may send (answered in
   * `Access-Control-Allow-Headers`; what a preflight asks for is never echoed).
   * Default `defaultCorsAllowHeaders`: `content-type` (what a signed upload
   * sends) and `range`, `if-match`, `if-none-match` (what downloads may send).
   */
  allowHeaders?: readonly string[];
}

/** The request headers allowed by default: what uploads and downloads through signed URLs send. */
export const defaultCorsAllowHeaders: readonly string[] = Object.freeze(["content-type", "range", "if-match", "if-none-match"]);

const corsOptionNames = ["origins", "maxAge", "allowHeaders"] as const;
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface NormalizedCors {
  origins: readonly string[] | "*";
  maxAge: string;
  allowHeaders: string;
}

export function normalizeCors(cors: CorsOptions | undefined): NormalizedCors | undefined {
  if (cors === undefined) return undefined;
  if (cors === null || typeof cors !== "object") throw new StorageError("InvalidArgument", "cors must be { origins, maxAge?, allowHeaders? }");
  assertKnownOptions(cors, corsOptionNames, "createSignedUrlHandler options.cors");
  let origins: readonly string[] | "*";
  if (cors.origins === "*") {
    origins = "*";
  } else if (Array.isArray(cors.origins)) {
    for (const origin of cors.origins) {
      let parsed: string | undefined;
      try {
        parsed = typeof origin === "string" ? new URL(origin).origin : undefined;
      } catch {
        parsed = undefined;
      }
      if (parsed !== origin || parsed === "null") {
        throw new StorageError(
          "InvalidArgument",
          `cors.origins must hold origins such as "https://app.example.com" (scheme, host, port; no path or trailing slash); got ${JSON.stringify(origin)}`,
        );
      }
    }
    origins = [...cors.origins];
  } else {
    throw new StorageError("InvalidArgument", 'cors.origins must be a list of origins or "*"');
  }
  const maxAge = cors.maxAge ?? 600;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw new StorageError("InvalidArgument", "cors.maxAge must be a whole number of seconds, at least 0");
  const allowHeaders = cors.allowHeaders ?? defaultCorsAllowHeaders;
  if (!Array.isArray(allowHeaders)) throw new StorageError("InvalidArgument", "cors.allowHeaders must be a list of header names");
  for (const name of allowHeaders) {
    if (typeof name !== "string" || !headerNamePattern.test(name) || name === "*") {
      throw new StorageError("InvalidArgument", `cors.allowHeaders must hold header names (no "*"); got ${JSON.stringify(name)}`);
    }
  }
  return { origins, maxAge: String(maxAge), allowHeaders: allowHeaders.map((name) => name.toLowerCase()).join(", ") };
}

/** Adds `token` to Vary unless it is there already (case-insensitively). */
export function addVary(headers: Headers, token: string): void {
  const current = headers.get("vary");
  if (current === null || current.trim() === "") {
    headers.set("vary", token);
    return;
  }
  const tokens = current.split(",").map((part) => part.trim().toLowerCase());
  if (tokens.includes("*") || tokens.includes(token.toLowerCase())) return;
  headers.set("vary", `${current}, ${token}`);
}
