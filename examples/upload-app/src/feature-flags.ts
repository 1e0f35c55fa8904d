// Feature flags on KV with a TTL: one JSON object of boolean flags, written
// with a time to live and read back parsed, behind two JSON routes.
//
//   GET /api/flags   → { flags, stored, expiresAt }   (anyone; the page may read them)
//   PUT /api/flags   { flags: { name: boolean, ... }, ttlSeconds? }
//                    → the same shape (needs `authorize`, such as a bearer token)
//
// The same module runs in the Node upload app, over the Storage it already
// uses (`createKv(storage, flagsKvOptions)`: fs in development), and in the
// R2 Worker over the Workers KV binding
// (`createKv(kvBinding({ namespace: env.CONFIG }), flagsKvOptions)`).
// Web-standard only (Request, Response, crypto.subtle): no Node imports.
//
// After `expiresAt` the stored flags read as absent and GET answers the
// defaults (`stored: false`): a temporary switch turns itself off. Reads are
// served from the Kv's memory cache for `flagsKvOptions.cacheTtlSeconds`, so
// another process (another server, another isolate) sees a change after at
// most that long ("KV propagation"; over Workers KV its own delay comes on top).
import { httpStatusForError, isStorageError } from "@stowage/core";
import type { CreateKvOptions, Kv } from "@stowage/kv";

/** Flag name → on or off. */
export type Flags = Record<string, boolean>;

/** The flags as stored, when a value is stored and not expired. */
export interface StoredFlags {
  flags: Flags;
  /** When the stored flags stop applying (absent: never). */
  expiresAt?: Date;
}

/** Where the routes are mounted. */
export const flagsPath = "/api/flags";
/** The one Kv key the flags live under. */
export const flagsKey = "flags";
/** The Kv options both examples use: keys under `config/`, reads cached for 5 s. */
export const flagsKvOptions = { prefix: "config/", cacheTtlSeconds: 5 } as const satisfies CreateKvOptions;
/** The default TTL of a PUT that names none: one hour. */
export const defaultFlagsTtlSeconds = 3600;
/** The longest TTL a PUT may ask for: 30 days (flags are temporary switches). */
export const maxFlagsTtlSeconds = 30 * 24 * 3600;
/** The most flags in one object. */
export const maxFlags = 100;
const flagName = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** Why a flags object is refused, or the flags themselves. */
export type ParsedFlags = { ok: true; flags: Flags } | { ok: false; message: string };

/**
 * Checks a flags object: a plain JSON object of at most `maxFlags` entries,
 * each named with letters, digits, `_`, `.` or `-` (a letter first, at most
 * 64 characters) and each `true` or `false`.
 */
export function parseFlags(value: unknown): ParsedFlags {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, message: `flags must be an object of name → true/false, not ${describe(value)}` };
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > maxFlags) return { ok: false, message: `At most ${maxFlags} flags (got ${entries.length})` };
  const flags: Flags = {};
  for (const [name, on] of entries) {
    if (!flagName.test(name)) {
      return { ok: false, message: `Flag name ${JSON.stringify(name)} is not allowed: use letters, digits, "_", "." or "-", a letter first, at most 64 characters` };
    }
    if (typeof on !== "boolean") return { ok: false, message: `Flag ${JSON.stringify(name)} must be true or false, not ${describe(on)}` };
    flags[name] = on;
  }
  return { ok: true, flags };
}

/**
 * The stored flags, or null when none are stored, they expired, or the stored
 * value is not a valid flags object (written by other means): then the
 * defaults apply, never a half-understood value.
 */
export async function readFlags(kv: Kv): Promise<StoredFlags | null> {
  const value = await kv.get(flagsKey);
  if (value === null) return null;
  let stored: unknown;
  try {
    stored = value.json();
  } catch {
    return null;
  }
  const parsed = parseFlags((stored as { flags?: unknown } | null)?.flags);
  if (!parsed.ok) return null;
  return value.expiresAt === undefined ? { flags: parsed.flags } : { flags: parsed.flags, expiresAt: value.expiresAt };
}

/**
 * Stores `flags` (checked with `parseFlags`; a refusal throws `TypeError`) for
 * `ttlSeconds`, replacing the flags stored before. The Kv refuses a TTL
 * shorter than its backend allows (Workers KV: 60 s) with `InvalidArgument`.
 */
export async function writeFlags(kv: Kv, flags: Flags, ttlSeconds: number): Promise<void> {
  const parsed = parseFlags(flags);
  if (!parsed.ok) throw new TypeError(parsed.message);
  await kv.put(flagsKey, { flags: parsed.flags }, { ttlSeconds });
}

/** Options of `createFlagRoutes`. */
export interface FlagRoutesOptions {
  /** May this request change the flags? (`bearerTokenAuthorizer(token)` checks `Authorization: Bearer <token>`.) */
  authorize: (request: Request) => boolean | Promise<boolean>;
  /** The flags GET answers where nothing is stored; stored flags are laid over them. Default `{}`. */
  defaults?: Flags;
  /** The TTL of a PUT that names none. Default `defaultFlagsTtlSeconds` (an hour). */
  ttlSeconds?: number;
}

/**
 * The flag routes as one handler, `(Request) => Promise<Response>`, for
 * requests to `flagsPath`. Refusals are JSON `{ error: { code, message } }`:
 * 400 `InvalidFlags` / `InvalidTtl` / `InvalidArgument`, 401 `Unauthorized`,
 * 405 `MethodNotAllowed`, 501 `Unsupported` (a TTL over a storage without
 * expiry). Any other error is thrown for the host app to answer.
 */
export function createFlagRoutes(kv: Kv, options: FlagRoutesOptions): (request: Request) => Promise<Response> {
  const parsedDefaults = parseFlags(options.defaults ?? {});
  if (!parsedDefaults.ok) throw new TypeError(`createFlagRoutes defaults: ${parsedDefaults.message}`);
  const defaults = parsedDefaults.flags;
  const defaultTtl = options.ttlSeconds ?? defaultFlagsTtlSeconds;

  async function current(): Promise<Response> {
    const stored = await readFlags(kv);
    return json({
      flags: { ...defaults, ...stored?.flags },
      stored: stored !== null,
      expiresAt: stored?.expiresAt?.toISOString() ?? null,
    });
  }

  return async (request) => {
    if (request.method === "GET" || request.method === "HEAD") return current();
    if (request.method !== "PUT") {
      return error(405, "MethodNotAllowed", `${flagsPath} takes GET and PUT, not ${request.method}`, { allow: "GET, HEAD, PUT" });
    }
    if (!(await options.authorize(request))) {
      return error(401, "Unauthorized", `Changing flags needs Authorization: Bearer <token> (the server's FLAGS_TOKEN; without one the flags are read-only)`);
    }
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return error(400, "InvalidFlags", `Send JSON: { "flags": { "name": true }, "ttlSeconds": ${defaultTtl} }`);
    }
    const parsed = parseFlags((body as { flags?: unknown } | null)?.flags);
    if (!parsed.ok) return error(400, "InvalidFlags", parsed.message);
    const ttlSeconds = (body as { ttlSeconds?: unknown }).ttlSeconds ?? defaultTtl;
    if (typeof ttlSeconds !== "number" || !Number.isInteger(ttlSeconds) || ttlSeconds < kv.limits.minTtlSeconds || ttlSeconds > maxFlagsTtlSeconds) {
      return error(400, "InvalidTtl", `ttlSeconds must be a whole number of seconds from ${kv.limits.minTtlSeconds} to ${maxFlagsTtlSeconds}, not ${describe(ttlSeconds)}`);
    }
    try {
      await writeFlags(kv, parsed.flags, ttlSeconds);
    } catch (caught) {
      // The Kv's own refusals (a TTL under the backend's minimum, a storage
      // without expiry) are about the request: answer them; rethrow the rest.
      const status = httpStatusForError(caught);
      if (!isStorageError(caught) || (status >= 500 && caught.code !== "Unsupported")) throw caught;
      return error(status, caught.code, caught.message);
    }
    return current();
  };
}

/**
 * An `authorize` for `createFlagRoutes`: true when the request carries
 * `Authorization: Bearer <token>` (compared in constant time over SHA-256
 * digests). Without a token (undefined or empty) nothing is authorized.
 */
export function bearerTokenAuthorizer(token: string | undefined): (request: Request) => Promise<boolean> {
  const expected = token === undefined || token === "" ? undefined : sha256(token);
  return async (request) => {
    if (expected === undefined) return false;
    const match = /^Bearer (.+)$/i.exec(request.headers.get("authorization") ?? "");
    if (match === null) return false;
    const [want, got] = await Promise.all([expected, sha256(match[1]!)]);
    let difference = 0;
    for (let index = 0; index < want.length; index++) difference |= want[index]! ^ got[index]!;
    return difference === 0;
  };
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

function error(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return json({ error: { code, message } }, status, headers);
}
