import { classifyAnswer, readServerError } from "./classify-response.js";
import { UploadError, uploadErrorCodes, type UploadErrorCode } from "./upload-error.js";
import type { SignedUpload } from "./upload-to-signed-url.js";

/** What `create` sends: the file as the browser sees it. */
export interface CreateUploadInput {
  filename: string;
  contentType: string;
  size: number;
  lastModified?: number;
}

/** The server's answer to `create`. `token` is opaque: the server's sealed session. */
export interface CreatedUpload {
  token: string;
  key: string;
  partSize: number;
  partCount: number;
  /** ISO 8601: after this instant the session can no longer be used. */
  expiresAt: string;
}

/** One signed part PUT, as `sign` answers it. */
export interface SignedPart {
  partNumber: number;
  url: string;
  method: string;
  headers: Record<string, string>;
  /** ISO 8601 (or a Date, when the routes are functions). */
  expiresAt: string | Date;
}

/** A part the server already holds, as `list` answers it. */
export interface ListedPart {
  partNumber: number;
  size: number;
  etag: string;
}

/** The stored object, as `complete` answers it. */
export interface CompletedObject {
  key: string;
  size: number;
  etag: string;
  contentType: string;
  /** ISO 8601. */
  lastModified: string;
}

/**
 * The app's upload routes as functions, with the inputs and outputs of the
 * wire protocol (`createUploadRoutes` in `@stowage/http`). Throw an
 * `UploadError` (or anything: it is reported as `Unknown`) to refuse.
 */
export interface UploadRouteFunctions {
  create(input: CreateUploadInput, context: RouteContext): Promise<CreatedUpload>;
  sign(input: { token: string; partNumbers: number[] }, context: RouteContext): Promise<{ parts: SignedPart[] }>;
  list(input: { token: string }, context: RouteContext): Promise<{ parts: ListedPart[] }>;
  complete(input: { token: string; parts: { partNumber: number; etag: string }[] }, context: RouteContext): Promise<{ object: CompletedObject }>;
  abort(input: { token: string }, context: RouteContext): Promise<void>;
  /**
   * Optional: signs one PUT (or POST policy) for a small file, as
   * `storage.signPut()` answers it, plus the `key` it was signed for. When
   * present, files under `smallFileThreshold` take this path instead of a session.
   */
  single?(file: Blob, context: RouteContext): Promise<SignedUpload & { key?: string }>;
}

/** Passed to every route call. */
export interface RouteContext {
  signal?: AbortSignal;
}

/** The wire protocol over `fetch`: `POST {baseUrl}/create` and so on. */
export interface HttpRoutesOptions {
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Extra headers on every route call (an app's CSRF token, an Authorization header). */
  headers?: Record<string, string>;
  /** `fetch`'s `credentials` (for the app's cookies); default `"same-origin"`. */
  credentials?: RequestCredentials;
  /** A URL that answers `storage.signPut()`'s JSON for `{ filename, contentType, size }`: enables the small-file path. */
  singleUrl?: string;
}

/**
 * The wire protocol's routes under `baseUrl` as `UploadRouteFunctions`:
 * each is a JSON `POST`; an error answer (`{ "error": { "code", "message" } }`)
 * becomes an `UploadError` whose `serverCode` is the server's code.
 */
export function httpUploadRoutes(baseUrl: string, options: HttpRoutesOptions = {}): UploadRouteFunctions {
  if (typeof baseUrl !== "string" || baseUrl === "") throw new TypeError("httpUploadRoutes needs the routes' base URL, such as /api/uploads/multipart");
  const base = baseUrl.replace(/\/+$/, "");
  const call = async <T>(url: string, body: unknown, context: RouteContext): Promise<T> => {
    const send = options.fetch ?? globalThis.fetch;
    if (typeof send !== "function") throw new TypeError("httpUploadRoutes needs fetch (pass options.fetch)");
    let response: Response;
    try {
      response = await send(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...options.headers },
        body: JSON.stringify(body),
        credentials: options.credentials ?? "same-origin",
        ...(context.signal ? { signal: context.signal } : {}),
      });
    } catch (error) {
      if (context.signal?.aborted) throw new UploadError("Aborted", "The upload was aborted", { status: 0, cause: context.signal.reason });
      throw new UploadError("Network", `The upload route ${url} got no answer`, { status: 0, cause: error });
    }
    const text = await response.text().catch(() => "");
    if (!response.ok) throw routeError(url, response.status, text);
    if (text === "") return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new UploadError("Unknown", `The upload route ${url} answered ${response.status} with something other than JSON`, { status: response.status, responseText: text, cause: error });
    }
  };
  const routes: UploadRouteFunctions = {
    create: (input, context) => call(`${base}/create`, input, context),
    sign: (input, context) => call(`${base}/sign`, input, context),
    list: (input, context) => call(`${base}/list`, input, context),
    complete: (input, context) => call(`${base}/complete`, input, context),
    abort: async (input, context) => {
      await call(`${base}/abort`, input, context);
    },
  };
  const singleUrl = options.singleUrl;
  if (singleUrl !== undefined) {
    routes.single = (file, context) =>
      call(singleUrl, { filename: fileName(file), contentType: file.type || "application/octet-stream", size: file.size }, context);
  }
  return routes;
}

/** A route's error answer as an `UploadError`: the server's code when it is one of ours, else by status. */
export function routeError(url: string, status: number, text: string): UploadError {
  const { code: serverCode, message } = readServerError(text);
  let code: UploadErrorCode;
  if (serverCode !== undefined && (uploadErrorCodes as readonly string[]).includes(serverCode)) code = serverCode as UploadErrorCode;
  else if (status === 408) code = "Unavailable";
  else code = classifyAnswer(status, text, { ifNotExists: false, expired: false }).code;
  const details: { status: number; responseText: string; serverCode?: string } = { status, responseText: text };
  if (serverCode !== undefined) details.serverCode = serverCode;
  return new UploadError(code, `The upload route ${url} answered ${status}${serverCode ? ` (${serverCode})` : ""}${message ? `: ${message}` : ""}`, details);
}

/** A File's name, or "blob". */
export function fileName(file: Blob): string {
  const name = (file as Partial<File>).name;
  return typeof name === "string" && name !== "" ? name : "blob";
}
