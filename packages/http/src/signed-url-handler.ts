import {
  attachmentDisposition,
  createHmacVerifier,
  isStorageError,
  isValidKey,
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
}

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
  const verifier = createHmacVerifier({ secrets: options.secrets });
  const pathPrefix = normalizeBasePath(options.basePath ?? "/");
  const nonceStore = options.nonceStore ?? memoryNonceStore();
  const clock = options.clock ?? Date.now;
  const cors = options.cors;
  const corsMaxAge = String(cors?.maxAge ?? 600);

  const allowOrigin = (origin: string | null): string | undefined => {
    if (cors === undefined || origin === null) return undefined;
    if (cors.origins === "*") return "*";
    return cors.origins.includes(origin) ? origin : undefined;
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
    const allowed = allowOrigin(origin);
    const requestedMethod = (request.headers.get("access-control-request-method") ?? "").toUpperCase();
    if (allowed === undefined) return errorResponse(403, "CorsRejected", `The origin ${origin} is not allowed`);
    if (!["GET", "HEAD", "PUT"].includes(requestedMethod)) {
      return errorResponse(403, "CorsRejected", `The method ${requestedMethod || "(none)"} is not allowed`);
    }
    const headers: Record<string, string> = {
      "access-control-allow-methods": "GET, HEAD, PUT",
      "access-control-max-age": corsMaxAge,
      "access-control-expose-headers": exposedHeaders,
      vary: "Origin, Access-Control-Request-Headers",
    };
    const requestedHeaders = request.headers.get("access-control-request-headers");
    if (requestedHeaders !== null && requestedHeaders.trim() !== "") {
      headers["access-control-allow-headers"] = requestedHeaders;
    }
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
      contentType = sentType === null || sentType.trim() === "" ? "application/octet-stream" : sentType.trim();
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
    if (claims.downloadFilename !== undefined) headers["content-disposition"] = attachmentDisposition(claims.downloadFilename);
    else if (info.contentDisposition !== undefined) headers["content-disposition"] = info.contentDisposition;
    return headers;
  };

  return async (request: Request): Promise<Response> => {
    let response: Response;
    try {
      response = await handle(request, new URL(request.url));
    } catch (error) {
      response = storageErrorResponse(error);
    }
    const origin = allowOrigin(request.headers.get("origin"));
    if (origin !== undefined) {
      response.headers.set("access-control-allow-origin", origin);
      if (request.method.toUpperCase() !== "OPTIONS") response.headers.set("access-control-expose-headers", exposedHeaders);
      if (origin !== "*") response.headers.append("vary", "Origin");
    }
    return response;
  };
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
