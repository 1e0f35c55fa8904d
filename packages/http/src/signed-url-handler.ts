import {
  assertKnownOptions,
  attachmentDisposition,
  createHmacVerifier,
  isActiveContentType,
  isStorageError,
  isValidKey,
  StorageError,
  type HmacSecret,
  type ObjectInfo,
  type SignedUrlClaims,
  type Storage,
} from "@stowage/core";
import type { NonceStore } from "./nonce-store.js";
import { memoryNonceStore } from "./memory-nonce-store.js";
import { parseEtagList, parseRangeHeader } from "./byte-range.js";
import { errorResponse, storageErrorResponse } from "./error-response.js";
import { limitStream } from "./limit-stream.js";

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

/**
 * Sent on every response. `sandbox` (without `allow-scripts`) runs no script
 * in a served document, whatever its type, and gives it an opaque origin, so
 * it cannot read the serving origin's cookies or storage even inline;
 * `default-src 'none'` stops it loading anything else. Images, media and the
 * browser's own viewer styles still work when an object is opened directly.
 */
export const servedObjectCsp = "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'";

export interface SignedUrlHandlerOptions {
  /** The same secrets the signer has (newest first); any of them verifies. */
  secrets: readonly HmacSecret[];
  /**
   * The path the handler is mounted at, the path of the signer's `baseUrl`
   * (for `https://files.example.com/__storage` that is `/__storage`). Default `/`.
   */
  basePath?: string;
  /** Where one-time nonces are remembered. Default: `memoryNonceStore()` (one process). */
  nonceStore?: NonceStore;
  /** CORS for browsers on other origins. Without it, preflights are refused. */
  cors?: CorsOptions;
  /** Milliseconds since the epoch, for expiry. Defaults to `Date.now`. */
  clock?: () => number;
}

/** A web-standard request handler. */
export type SignedUrlHandler = (request: Request) => Promise<Response>;

const handlerOptionNames = ["secrets", "basePath", "nonceStore", "cors", "clock"] as const;
const corsOptionNames = ["origins", "maxAge", "allowHeaders"] as const;
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const allowedMethods = "GET, HEAD, PUT, OPTIONS";
const exposedHeaders = "ETag, Content-Length, Content-Range, Content-Disposition, Accept-Ranges, Last-Modified";
const declaredLengthPattern = /^\d{1,16}$/;

/**
 * Serves URLs signed by `createHmacSigner` (the `signing` option of the memory
 * and fs drivers) over `storage`, and enforces every signed constraint:
 *
 * - `PUT` streams the body into `storage.put`: the signed content type, exact
 *   `size` and `maxSize` (counted while streaming; past it 413 and nothing is
 *   stored), one-time nonces (consumed before the body is stored) and
 *   create-only (409).
 * - `GET` and `HEAD` stream the object with Content-Type, Content-Length,
 *   ETag, Content-Disposition, ranges (206/416) and `If-None-Match` (304).
 * - `OPTIONS` answers CORS preflights for `cors.origins`.
 *
 * Errors are JSON `{ "error": { "code", "message" } }`. Mount it in Node with
 * `toNodeListener` from `@stowage/http/node`, or call it from Hono or a Worker.
 */
export function createSignedUrlHandler(storage: Storage, options: SignedUrlHandlerOptions): SignedUrlHandler {
  if (storage === null || typeof storage !== "object" || typeof storage.put !== "function") {
    throw new TypeError("createSignedUrlHandler needs a Storage (createStorage(driver))");
  }
  if (options === undefined) throw new StorageError("InvalidArgument", "createSignedUrlHandler needs options ({ secrets, ... })");
  assertKnownOptions(options, handlerOptionNames, "createSignedUrlHandler options");
  const verifier = createHmacVerifier({ secrets: options.secrets });
  const pathPrefix = normalizeBasePath(options.basePath ?? "/");
  const nonceStore = options.nonceStore ?? memoryNonceStore();
  if (typeof nonceStore?.consume !== "function") throw new StorageError("InvalidArgument", "nonceStore must have a consume(nonce, expiresAt) method");
  const clock = options.clock ?? Date.now;
  if (typeof clock !== "function") throw new StorageError("InvalidArgument", "clock must be a function returning milliseconds since the epoch");
  const cors = normalizeCors(options.cors);

  const allowOrigin = (origin: string | null): string | undefined => {
    if (cors === undefined) return undefined;
    // With "*" every response says "*", with or without an Origin header, so
    // no response depends on Origin and none needs Vary: Origin.
    if (cors.origins === "*") return "*";
    return origin !== null && cors.origins.includes(origin) ? origin : undefined;
  };

  const handle = async (request: Request, url: URL): Promise<Response> => {
    const method = request.method.toUpperCase();
    if (!url.pathname.startsWith(pathPrefix)) return errorResponse(404, "NotFound", "No signed URL is served at this path");
    let key: string;
    try {
      key = url.pathname.slice(pathPrefix.length).split("/").map(decodeURIComponent).join("/");
    } catch {
      return errorResponse(400, "InvalidRequest", "The path is not valid percent-encoding");
    }
    if (method === "OPTIONS") return preflight(request);
    if (method !== "GET" && method !== "HEAD" && method !== "PUT") {
      return errorResponse(405, "MethodNotAllowed", `${method} is not served; use GET, HEAD or PUT`, { allow: allowedMethods });
    }
    if (!isValidKey(key)) return errorResponse(400, "InvalidKey", "The path does not name a valid key");
    const signedMethod = method === "PUT" ? "PUT" : "GET";
    const verification = await verifier.verify(signedMethod, key, url.searchParams, clock());
    if (!verification.ok) {
      return errorResponse(403, verification.reason === "expired" ? "Expired" : "InvalidSignature", verification.message);
    }
    const claims = verification.claims;
    if (method === "PUT") return put(request, claims);
    return read(request, claims, method === "HEAD");
  };

  const preflight = (request: Request): Response => {
    const origin = request.headers.get("origin");
    if (origin === null) return new Response(null, { status: 204, headers: { allow: allowedMethods } });
    // The answer depends on Origin (added to Vary for every response by the
    // wrapper) and on the requested method; never on the requested headers,
    // which are not echoed: the allowed list is the configured one.
    const vary = { vary: "Access-Control-Request-Method" };
    if (cors === undefined) return errorResponse(403, "CorsRejected", "Cross-origin requests are not enabled (no cors option)");
    if (allowOrigin(origin) === undefined) return errorResponse(403, "CorsRejected", `The origin ${origin} is not allowed`, vary);
    const requestedMethod = (request.headers.get("access-control-request-method") ?? "").toUpperCase();
    if (!["GET", "HEAD", "PUT"].includes(requestedMethod)) {
      return errorResponse(403, "CorsRejected", `The method ${requestedMethod || "(none)"} is not allowed`, vary);
    }
    const headers: Record<string, string> = {
      "access-control-allow-methods": "GET, HEAD, PUT",
      "access-control-max-age": cors.maxAge,
      ...vary,
    };
    if (cors.allowHeaders !== "") headers["access-control-allow-headers"] = cors.allowHeaders;
    return new Response(null, { status: 204, headers });
  };

  const put = async (request: Request, claims: SignedUrlClaims): Promise<Response> => {
    const sentType = request.headers.get("content-type");
    let contentType: string;
    if (claims.contentType !== undefined) {
      if (sentType === null || !sameMediaType(sentType, claims.contentType)) {
        return errorResponse(
          403,
          "ContentTypeMismatch",
          `The URL requires Content-Type ${claims.contentType} (got ${sentType === null ? "none" : sentType})`,
        );
      }
      contentType = claims.contentType;
    } else {
      // The uploader chose the type: only a passive one (isActiveContentType)
      // or application/octet-stream. An active type such as text/html or
      // image/svg+xml must be signed, so the app decided it.
      contentType = sentType === null || sentType.trim() === "" ? "application/octet-stream" : sentType.trim();
      if (isActiveContentType(contentType) && mediaEssence(contentType) !== "application/octet-stream") {
        return errorResponse(
          415,
          "UnsafeContentType",
          `Content-Type ${contentType} could run script when served; send a passive type (image/png, text/plain, ...) or application/octet-stream, or sign the contentType`,
        );
      }
    }

    const declaredHeader = request.headers.get("content-length");
    let declared: number | undefined;
    if (declaredHeader !== null) {
      if (!declaredLengthPattern.test(declaredHeader.trim())) return errorResponse(400, "InvalidRequest", "Content-Length is malformed");
      declared = Number(declaredHeader.trim());
    }
    const limit = minDefined(claims.maxSize, claims.size);
    if (declared !== undefined) {
      if (limit !== undefined && declared > limit) {
        return errorResponse(413, "TooLarge", `Content-Length ${declared} is larger than the ${limit} bytes the URL allows`);
      }
      if (claims.size !== undefined && declared !== claims.size) {
        return errorResponse(400, "SizeMismatch", `Content-Length ${declared} differs from the ${claims.size} bytes the URL requires`);
      }
    }

    if (claims.ifNotExists && (await storage.head(claims.key)) !== null) {
      return errorResponse(409, "AlreadyExists", `${claims.key} already exists`);
    }
    if (claims.nonce !== undefined && !(await nonceStore.consume(claims.nonce, claims.expiresAt))) {
      return errorResponse(403, "AlreadyUsed", "This one-time URL was already used");
    }

    const source = request.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
    const body = limit === undefined ? source : limitStream(source, limit, claims.size);
    let info: ObjectInfo;
    try {
      info = await storage.put(claims.key, body, {
        contentType,
        ...(claims.size !== undefined ? { size: claims.size } : {}),
        ...(claims.ifNotExists ? { ifNotExists: true } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      });
    } catch (error) {
      body.cancel(error).catch(() => {});
      return storageErrorResponse(error);
    }
    return new Response(JSON.stringify({ key: info.key, size: info.size, etag: info.etag, contentType: info.contentType }), {
      status: 200,
      headers: { "content-type": "application/json; charset=utf-8", etag: quoteEtag(info.etag), "cache-control": "no-store" },
    });
  };

  const read = async (request: Request, claims: SignedUrlClaims, headOnly: boolean): Promise<Response> => {
    const ifNoneMatch = parseEtagList(request.headers.get("if-none-match"));
    const ifMatch = parseEtagList(request.headers.get("if-match"));
    const range = headOnly || !storage.capabilities.rangeRead ? undefined : parseRangeHeader(request.headers.get("range"));

    if (headOnly || ifNoneMatch !== undefined || ifMatch !== undefined) {
      const info = await storage.head(claims.key);
      if (info === null) return errorResponse(404, "NotFound", `${claims.key} does not exist`);
      if (ifMatch !== undefined && !etagListMatches(ifMatch, info.etag)) {
        return errorResponse(412, "PreconditionFailed", "If-Match does not match the current ETag");
      }
      if (ifNoneMatch !== undefined && etagListMatches(ifNoneMatch, info.etag)) {
        return new Response(null, { status: 304, headers: { etag: quoteEtag(info.etag), "last-modified": info.lastModified.toUTCString() } });
      }
      if (headOnly) return new Response(null, { status: 200, headers: objectHeaders(info, claims, info.size) });
    }

    let object;
    try {
      object = await storage.get(claims.key, range === undefined ? {} : { range });
    } catch (error) {
      if (isStorageError(error) && error.code === "RangeNotSatisfiable") {
        const info = await storage.head(claims.key);
        if (info === null) return errorResponse(404, "NotFound", `${claims.key} does not exist`);
        return errorResponse(416, "RangeNotSatisfiable", error.message, { "content-range": `bytes */${info.size}` });
      }
      throw error;
    }
    if (object === null) return errorResponse(404, "NotFound", `${claims.key} does not exist`);
    const headers = objectHeaders(object, claims, object.range?.length ?? object.size);
    if (object.range !== undefined) {
      const { offset, length } = object.range;
      headers["content-range"] = `bytes ${offset}-${offset + length - 1}/${object.size}`;
      return new Response(object.body, { status: 206, headers });
    }
    return new Response(object.body, { status: 200, headers });
  };

  const objectHeaders = (info: ObjectInfo, claims: SignedUrlClaims, length: number): Record<string, string> => {
    const headers: Record<string, string> = {
      "content-type": claims.responseContentType ?? info.contentType,
      "content-length": String(length),
      etag: quoteEtag(info.etag),
      "last-modified": info.lastModified.toUTCString(),
      "x-content-type-options": "nosniff",
    };
    if (storage.capabilities.rangeRead) headers["accept-ranges"] = "bytes";
    if (info.cacheControl !== undefined) headers["cache-control"] = info.cacheControl;
    if (info.contentEncoding !== undefined) headers["content-encoding"] = info.contentEncoding;
    const disposition = servedDisposition(claims, info, headers["content-type"]!);
    if (disposition !== undefined) headers["content-disposition"] = disposition;
    return headers;
  };

  return async (request: Request): Promise<Response> => {
    let response: Response;
    try {
      response = await handle(request, new URL(request.url));
    } catch (error) {
      response = storageErrorResponse(error);
    }
    const headers = response.headers;
    // Every response, objects and errors alike: no sniffing, no script.
    headers.set("x-content-type-options", "nosniff");
    headers.set("content-security-policy", servedObjectCsp);
    if (cors !== undefined) {
      const origin = allowOrigin(request.headers.get("origin"));
      if (origin !== undefined) {
        headers.set("access-control-allow-origin", origin);
        headers.set("access-control-expose-headers", exposedHeaders);
      }
      // With a list of origins every response depends on Origin: allowed,
      // refused, errors, and requests without one.
      if (cors.origins !== "*") addVary(headers, "Origin");
    }
    return response;
  };
}

interface NormalizedCors {
  origins: readonly string[] | "*";
  maxAge: string;
  allowHeaders: string;
}

function normalizeCors(cors: CorsOptions | undefined): NormalizedCors | undefined {
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
function addVary(headers: Headers, token: string): void {
  const current = headers.get("vary");
  if (current === null || current.trim() === "") {
    headers.set("vary", token);
    return;
  }
  const tokens = current.split(",").map((part) => part.trim().toLowerCase());
  if (tokens.includes("*") || tokens.includes(token.toLowerCase())) return;
  headers.set("vary", `${current}, ${token}`);
}

/**
 * The Content-Disposition an object is served with:
 * - `downloadFilename` signed: attachment with that name;
 * - `inline` signed: inline (the stored disposition's parameters kept);
 * - an active served type (isActiveContentType): attachment (the stored
 *   disposition's parameters, such as a file name, kept);
 * - otherwise the stored disposition, if any.
 */
function servedDisposition(claims: SignedUrlClaims, info: ObjectInfo, servedType: string): string | undefined {
  if (claims.downloadFilename !== undefined) return attachmentDisposition(claims.downloadFilename);
  const stored = info.contentDisposition;
  if (claims.inline) return withDispositionType("inline", stored);
  if (isActiveContentType(servedType)) return withDispositionType("attachment", stored);
  return stored;
}

function withDispositionType(type: "inline" | "attachment", stored: string | undefined): string {
  if (stored === undefined) return type;
  const semicolon = stored.indexOf(";");
  return semicolon === -1 ? type : `${type}${stored.slice(semicolon)}`;
}

/** `type/subtype`, lower case, without parameters. */
function mediaEssence(contentType: string): string {
  const semicolon = contentType.indexOf(";");
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

function normalizeBasePath(basePath: string): string {
  if (typeof basePath !== "string" || /[?#]/.test(basePath)) throw new TypeError("basePath must be a URL path such as /__storage");
  const trimmed = basePath.replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "/" : `/${trimmed}/`;
}

function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

function etagListMatches(list: readonly string[], etag: string): boolean {
  return list.some((candidate) => candidate === "*" || candidate === etag);
}

/** Media types compare case-insensitively, ignoring spaces around `;`. */
function sameMediaType(sent: string, signed: string): boolean {
  const normalize = (value: string) =>
    value
      .split(";")
      .map((part) => part.trim())
      .join(";")
      .toLowerCase();
  return normalize(sent) === normalize(signed);
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
