import { assertKnownOptions, createHmacVerifier, isValidKey, StorageError, type HmacSecret, type Storage } from "@stowage/core";
import type { NonceStore } from "./nonce-store.js";
import { memoryNonceStore } from "./memory-nonce-store.js";
import { errorResponse, storageErrorResponse } from "./error-response.js";
import { addVary, normalizeCors, type CorsOptions } from "./cors-options.js";
import { handlePut } from "./handle-put.js";
import { handlePartPut } from "./handle-part-put.js";
import { handleRead } from "./handle-read.js";

export { defaultCorsAllowHeaders } from "./cors-options.js";
export type { CorsOptions } from "./cors-options.js";

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

const allowedMethods = "GET, HEAD, PUT, OPTIONS";
const exposedHeaders = "ETag, Content-Length, Content-Range, Content-Disposition, Accept-Ranges, Last-Modified";

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
 * - `PUT` to an upload-part URL (signed by the HMAC signer's
 *   `signUploadPart`, for `storage.uploads.signParts`) streams the body into
 *   the driver's `uploadPart`, enforcing the signed exact length (413/400),
 *   and answers 200 with the part's `ETag`; an unknown upload is 404.
 * - `OPTIONS` answers CORS preflights for `cors.origins`; `ETag` is exposed,
 *   so a page can read a part's etag to complete the upload.
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
    if (verifier.isPartUrl(url.searchParams)) {
      if (method !== "PUT") return errorResponse(405, "MethodNotAllowed", "An upload-part URL takes PUT only", { allow: "PUT, OPTIONS" });
      const part = await verifier.verifyPart(key, url.searchParams, clock());
      if (!part.ok) return errorResponse(403, part.reason === "expired" ? "Expired" : "InvalidSignature", part.message);
      return handlePartPut(storage, request, part.claims);
    }
    const signedMethod = method === "PUT" ? "PUT" : "GET";
    const verification = await verifier.verify(signedMethod, key, url.searchParams, clock());
    if (!verification.ok) {
      return errorResponse(403, verification.reason === "expired" ? "Expired" : "InvalidSignature", verification.message);
    }
    const claims = verification.claims;
    if (method === "PUT") return handlePut(storage, nonceStore, request, claims);
    return handleRead(storage, request, claims, method === "HEAD");
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

function normalizeBasePath(basePath: string): string {
  if (typeof basePath !== "string" || /[?#]/.test(basePath)) throw new TypeError("basePath must be a URL path such as /__storage");
  const trimmed = basePath.replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "/" : `/${trimmed}/`;
}
