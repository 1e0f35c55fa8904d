import { assertKnownOptions, StorageError, type Storage, type UploadSession } from "@stowage/core";
import { errorResponse, storageErrorResponse } from "./error-response.js";
import { createUploadTokenSealer, maxTokenLength } from "./upload-token.js";
import { badRequest, readJsonObject, RouteBodyError, stringField, wholeNumber } from "./upload-route-body.js";
import type { UploadGrant, UploadIntent, UploadRouteAction, UploadRoutes, UploadRoutesOptions, UploadSessionIntent } from "./upload-route-types.js";

const actions: readonly UploadRouteAction[] = ["create", "sign", "list", "complete", "abort"];
const grantNames = ["key", "contentType", "maxSize", "metadata", "ifNotExists", "partSize", "expiresIn"] as const;
/** The most part numbers one sign call takes. */
export const maxSignedPartsPerCall = 100;

/**
 * Serves the multipart upload routes over `storage.uploads`, as a
 * web-standard `Request -> Promise<Response>` handler. Every route is
 * `POST {basePath}/{action}` with a JSON body (`Content-Type:
 * application/json`) and a JSON answer:
 *
 * - `create` `{ filename, contentType, size, lastModified? }` →
 *   `{ token, key, partSize, partCount, expiresAt }`. `authorize` picks the
 *   key and the constraints; the upload is created with the client's exact
 *   `size` and the granted (or else the client's) content type, and the
 *   session is sealed into `token` with HMAC-SHA-256.
 * - `sign` `{ token, partNumbers }` (1 to 100 numbers) →
 *   `{ parts: [{ partNumber, url, method, headers, expiresAt }] }`.
 * - `list` `{ token }` → `{ parts: [{ partNumber, size, etag }] }`.
 * - `complete` `{ token, parts: [{ partNumber, etag }] }` →
 *   `{ object: { key, size, etag, contentType, lastModified } }`.
 * - `abort` `{ token }` → 204.
 *
 * Every route but create also asks `authorize(request, { action, key,
 * uploadId })`. A changed or foreign token is 403 `InvalidSignature`, a
 * session past its `expiresAt` 403 `Expired` (abort still works). Errors are
 * `{ "error": { "code", "message" } }` with the status of core's
 * `httpStatusForError`; a bad body is 400 `InvalidArgument`, an unknown path
 * 404, another method 405.
 */
export function createUploadRoutes(storage: Storage, options: UploadRoutesOptions): UploadRoutes {
  if (storage === null || typeof storage !== "object" || typeof storage.uploads?.create !== "function") {
    throw new TypeError("createUploadRoutes needs a Storage (createStorage(driver))");
  }
  if (options === null || typeof options !== "object") throw new StorageError("InvalidArgument", "createUploadRoutes needs options ({ authorize, secrets })");
  assertKnownOptions(options, ["authorize", "secrets", "basePath", "clock"], "createUploadRoutes options");
  if (typeof options.authorize !== "function") throw new StorageError("InvalidArgument", "authorize must be a function (request, intent) returning the upload's key and constraints");
  const sealer = createUploadTokenSealer(options.secrets);
  const prefix = normalizeBasePath(options.basePath ?? "/");
  const clock = options.clock ?? Date.now;
  if (typeof clock !== "function") throw new StorageError("InvalidArgument", "clock must be a function returning milliseconds since the epoch");
  const authorize = options.authorize;

  /** The app's answer: a Response to send (a refusal), or undefined to go on. */
  const ask = async (request: Request, intent: UploadIntent): Promise<{ refusal: Response } | { grant: unknown }> => {
    const answer = await authorize(request, intent);
    if (answer instanceof Response) return { refusal: answer };
    if (answer === false) return { refusal: errorResponse(403, "PermissionDenied", `The app does not allow this upload (${intent.action})`) };
    return { grant: answer };
  };

  const create = async (request: Request): Promise<Response> => {
    const body = await readJsonObject(request, "create");
    const filename = stringField(body, "filename", "the file's name, such as report.pdf");
    const contentType = stringField(body, "contentType", 'the file\'s type, such as "video/mp4" ("" when unknown)', 255);
    const size = wholeNumber(body.size, "size", 0, "the file's exact size in bytes");
    const intent: UploadIntent = { action: "create", filename, contentType, size };
    if (body.lastModified !== undefined) {
      if (typeof body.lastModified !== "number" || !Number.isFinite(body.lastModified)) throw badRequest("lastModified must be a number (the file's lastModified, in milliseconds)");
      intent.lastModified = body.lastModified;
    }
    const answer = await ask(request, intent);
    if ("refusal" in answer) return answer.refusal;
    const grant = checkGrant(answer.grant);
    if (typeof grant.maxSize === "number" && size > grant.maxSize) {
      return errorResponse(413, "TooLarge", `The file has ${size} bytes; this upload allows at most ${grant.maxSize}`);
    }
    const type = grant.contentType ?? (contentType === "" ? undefined : contentType);
    const session = await storage.uploads.create(grant.key, {
      size,
      ...(type === undefined ? {} : { contentType: type }),
      ...(grant.maxSize === undefined ? {} : { maxSize: grant.maxSize }),
      ...(grant.metadata === undefined ? {} : { metadata: grant.metadata }),
      ...(grant.ifNotExists === undefined ? {} : { ifNotExists: grant.ifNotExists }),
      ...(grant.partSize === undefined ? {} : { partSize: grant.partSize }),
      ...(grant.expiresIn === undefined ? {} : { expiresIn: grant.expiresIn }),
    });
    const token = await sealer.seal(session);
    return json({ token, key: session.key, partSize: session.partSize, partCount: session.partCount, expiresAt: session.expiresAt });
  };

  const onSession = async (request: Request, action: UploadSessionIntent["action"]): Promise<Response> => {
    const body = await readJsonObject(request, action);
    const token = stringField(body, "token", "the token the create route returned", maxTokenLength);
    const opened = await sealer.open(token);
    if (!opened.ok) return errorResponse(403, "InvalidSignature", `The upload token is not valid: ${opened.message}`);
    const session = opened.session;
    if (action !== "abort" && !(Date.parse(session.expiresAt) > clock())) {
      return errorResponse(403, "Expired", `The upload session expired at ${session.expiresAt}; start the upload again`);
    }
    let partNumbers: number[] = [];
    let parts: { partNumber: number; etag: string }[] = [];
    if (action === "sign") partNumbers = readPartNumbers(body.partNumbers);
    if (action === "complete") parts = readParts(body.parts, storage.uploads.limits.maxParts);
    const answer = await ask(request, { action, key: session.key, uploadId: session.uploadId });
    if ("refusal" in answer) return answer.refusal;
    switch (action) {
      case "sign":
        return json({ parts: await signParts(session, partNumbers) });
      case "list":
        return json({ parts: (await storage.uploads.listParts(session)).map(({ partNumber, size, etag }) => ({ partNumber, size, etag })) });
      case "complete": {
        const info = await storage.uploads.complete(session, parts);
        return json({ object: { key: info.key, size: info.size, etag: info.etag, contentType: info.contentType, lastModified: info.lastModified.toISOString() } });
      }
      case "abort":
        await storage.uploads.abort(session);
        return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
    }
  };

  const signParts = async (session: UploadSession, partNumbers: number[]) => {
    const unique = [...new Set(partNumbers)];
    const signed = await storage.uploads.signParts(session, unique);
    return signed.map((request, index) => ({
      partNumber: unique[index]!,
      url: request.url,
      method: request.method,
      headers: request.headers,
      expiresAt: request.expiresAt.toISOString(),
    }));
  };

  return async (request: Request): Promise<Response> => {
    try {
      const { pathname } = new URL(request.url);
      const action = pathname.startsWith(prefix) ? (pathname.slice(prefix.length) as UploadRouteAction) : undefined;
      if (action === undefined || !actions.includes(action)) {
        return errorResponse(404, "NotFound", `No upload route here; the routes are POST ${prefix}{${actions.join(",")}}`);
      }
      if (request.method.toUpperCase() !== "POST") {
        return errorResponse(405, "MethodNotAllowed", `${request.method} is not served; the upload routes take POST`, { allow: "POST" });
      }
      return action === "create" ? await create(request) : await onSession(request, action);
    } catch (error) {
      if (error instanceof RouteBodyError) return error.response;
      return storageErrorResponse(error);
    }
  };
}

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } });
}

/** What authorize granted for a create; a malformed grant is the app's bug (500), not the client's. */
function checkGrant(grant: unknown): UploadGrant {
  if (grant === null || typeof grant !== "object" || typeof (grant as UploadGrant).key !== "string") {
    throw new TypeError("authorize must return { key, ... } for a create (or refuse: throw, return false or a Response)");
  }
  for (const name of Object.keys(grant)) {
    if (!(grantNames as readonly string[]).includes(name)) throw new TypeError(`authorize returned an unknown field "${name}"; the fields are ${grantNames.join(", ")}`);
  }
  return grant as UploadGrant;
}

function readPartNumbers(value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > maxSignedPartsPerCall) {
    throw badRequest(`partNumbers must be an array of 1 to ${maxSignedPartsPerCall} part numbers, such as [1, 2, 3]; sign more in further calls`);
  }
  return value.map((partNumber) => wholeNumber(partNumber, "each part number", 1, "parts are numbered from 1"));
}

function readParts(value: unknown, maxParts: number): { partNumber: number; etag: string }[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > maxParts) {
    throw badRequest(`parts must be an array of 1 to ${maxParts} { partNumber, etag }: each part's number and the ETag its PUT answered`);
  }
  return value.map((part: unknown) => {
    if (part === null || typeof part !== "object") throw badRequest("each part must be { partNumber, etag }");
    const { partNumber, etag } = part as Record<string, unknown>;
    const number = wholeNumber(partNumber, "partNumber", 1, "parts are numbered from 1");
    if (typeof etag !== "string" || etag.length === 0 || etag.length > 256) throw badRequest(`part ${number} needs its etag: the ETag header its PUT answered`);
    return { partNumber: number, etag };
  });
}

function normalizeBasePath(basePath: string): string {
  if (typeof basePath !== "string" || /[?#]/.test(basePath)) throw new TypeError("basePath must be a URL path such as /api/uploads");
  const trimmed = basePath.replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "/" : `/${trimmed}/`;
}
