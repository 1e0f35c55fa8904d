// The upload app as one web-standard handler, (Request) => Promise<Response>:
// it runs on node:http (src/server.ts) and would run unchanged in a Worker.
//
//   POST /api/uploads/presign  a signed upload for avatars/<userId>/<uuid>-<filename>
//   (the browser uploads straight to storage)
//   POST /api/uploads/commit   verifyUpload (prefix, size, type, etag), records the avatar
//   GET  /api/me/avatar        a signed GET of the avatar
//   GET  /api/uploads          the user's uploads, a page at a time (list cursors)
//   DELETE /api/uploads?key=   deletes one of the user's uploads
//   POST /api/uploads/multipart/{create,sign,list,complete,abort}
//                              the large-file mode (src/large-upload-routes.ts)
//   GET/PUT /api/flags         feature flags on KV with a TTL, when `flagRoutes`
//                              is given (src/feature-flags.ts)
//
// Every state-changing route (POST, DELETE) needs `Content-Type:
// application/json` and, when the browser sends them, a same-origin `Origin`
// and `Sec-Fetch-Site`, so a cross-site form or script cannot act for a user.
import { StorageError, httpStatusForError, isStorageError, verifyUpload, type HmacSecret, type ObjectInfo, type SignPutOptions, type Storage } from "@stowage/core";
import { flagsPath } from "./feature-flags.js";
import { createLargeUploadRoutes, largeUploadBasePath } from "./large-upload-routes.js";
import { createSessions, toUserId } from "./session.js";

/** A static file the app serves. */
export interface Asset {
  body: string | Uint8Array<ArrayBuffer>;
  type: string;
}

export interface UploadAppOptions {
  storage: Storage;
  /** Signs the session cookie; at least 32 random bytes. */
  sessionSecret: Uint8Array<ArrayBuffer>;
  /** Path → file, such as `/` → index.html and `/app.js`. */
  assets: Record<string, Asset>;
  /**
   * Serves the storage's own signed URLs (fs and memory have no server of
   * their own): `createSignedUrlHandler` from `@stowage/http`.
   */
  storageHandler?: (request: Request) => Promise<Response>;
  /** Where `storageHandler` is mounted. Default `/__storage/`. */
  storagePath?: string;
  /** Gallery page size. Default 12. */
  pageSize?: number;
  /** The largest upload, in bytes. Default 5 MiB. */
  maxBytes?: number;
  /**
   * Seal the large-file mode's session tokens (the URL signer's list may be
   * reused). Without them the large-file routes are not mounted.
   */
  uploadSecrets?: readonly HmacSecret[];
  /** Mark the session cookie `Secure` (behind HTTPS). */
  secureCookies?: boolean;
  /**
   * The origin browsers load the app from (`https://app.example`), checked
   * against `Origin` on state-changing requests. Default: the request URL's origin.
   */
  origin?: string;
  /**
   * The feature-flag routes (`createFlagRoutes` from src/feature-flags.ts),
   * mounted at GET and PUT `/api/flags`. Without them the routes are not mounted.
   */
  flagRoutes?: (request: Request) => Promise<Response>;
}

/** The image types the app accepts. SVG is left out: it can carry script. */
export const imageTypes = ["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"];
export const defaultMaxBytes = 5 * 1024 * 1024;
/** How long a signed upload URL lives, in seconds. */
export const uploadExpiresIn = 300;

/**
 * The portable signed-upload recipe: the signPut options for one upload of
 * exactly `size` bytes of `contentType` (both checked against the app's limits
 * first, and both enforced by the storage itself), create-only
 * (`ifNotExists`) so the URL can never replace a stored object, and also
 * one-time (`oneTime`) where the storage can sign it.
 *
 * The choice is made by `storage.checkSignPut`, which answers with the same
 * check `signPut` runs, so no capability is read by hand: the first
 * combination the storage accepts wins (fs and memory: create-only and
 * one-time; S3 on AWS or Ceph RGW: create-only). An exact `size`, not
 * `maxSize`, because an S3 `maxSize` is a POST policy, which cannot be
 * create-only (checkSignPut says so). Throws `Unsupported`, with the
 * storage's reasons, when none holds (for example the `r2` S3 profile).
 */
export function uploadSignOptions(
  storage: Pick<Storage, "checkSignPut">,
  upload: { contentType: string; size: number; expiresIn?: number },
): SignPutOptions {
  const exact = { contentType: upload.contentType, size: upload.size, expiresIn: upload.expiresIn ?? uploadExpiresIn };
  const candidates: SignPutOptions[] = [
    { ...exact, ifNotExists: true, oneTime: true },
    { ...exact, ifNotExists: true },
    { ...exact, oneTime: true },
  ];
  const reasons: string[] = [];
  for (const options of candidates) {
    const check = storage.checkSignPut(options);
    if (check.ok) return options;
    if (check.code === "InvalidArgument") throw new StorageError("InvalidArgument", check.reason);
    if (!reasons.includes(check.reason)) reasons.push(check.reason);
  }
  throw new StorageError(
    "Unsupported",
    `The upload app needs upload URLs that enforce the type and an exact size and cannot replace a stored object (create-only or one-time); this storage signs none: ${reasons.join("; ")}`,
  );
}

/** The state-changing methods: they need a JSON body type and a same-origin request. */
const unsafeMethods = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Why a state-changing request is refused (a cross-site form or script), or undefined when it may proceed. */
function crossSiteProblem(request: Request, appOrigin: string): Response | undefined {
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== appOrigin) return error(403, "CrossOrigin", `Requests from ${origin} are refused`);
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin") return error(403, "CrossOrigin", `A ${site} request is refused`);
  const type = request.headers.get("content-type");
  const mediaType = type === null ? "" : type.split(";")[0]!.trim().toLowerCase();
  if (mediaType !== "application/json") {
    return error(415, "NotJson", `Send Content-Type: application/json (got ${type === null ? "none" : type})`);
  }
  return undefined;
}

interface AvatarRecord {
  avatarKey: string;
  updatedAt: string;
}

export function createUploadApp(options: UploadAppOptions): (request: Request) => Promise<Response> {
  const { storage, assets, storageHandler } = options;
  const storagePath = options.storagePath ?? "/__storage/";
  const pageSize = options.pageSize ?? 12;
  const maxBytes = options.maxBytes ?? defaultMaxBytes;
  const sessions = createSessions(options.sessionSecret, { secure: options.secureCookies ?? false });
  // Refuse to start on a storage whose upload URLs could replace a committed image.
  uploadSignOptions(storage, { contentType: imageTypes[0]!, size: 1 });

  const userPrefix = (userId: string): string => `avatars/${userId}/`;
  const recordKey = (userId: string): string => `users/${userId}.json`;
  /** A key directly under the user's own prefix (one more segment; the storage refuses `.` and `..` segments). */
  const isOwnKey = (key: unknown, userId: string): key is string =>
    typeof key === "string" && key.startsWith(userPrefix(userId)) && !key.slice(userPrefix(userId).length).includes("/");
  const largeUploads =
    options.uploadSecrets === undefined ? undefined : createLargeUploadRoutes({ storage, sessions, secrets: options.uploadSecrets, safeFileName });
  const fileNameOf = (key: string): string => key.slice(key.lastIndexOf("/") + 1).replace(/^[0-9a-f-]{36}-/, "");

  async function readRecord(userId: string): Promise<AvatarRecord | undefined> {
    const object = await storage.get(recordKey(userId));
    return object === null ? undefined : object.json<AvatarRecord>();
  }

  async function signedGet(key: string): Promise<string> {
    return (await storage.signGet(key, { expiresIn: 600 })).url;
  }

  const routes: Record<string, (request: Request, url: URL) => Promise<Response>> = {
    async "POST /api/login"(request) {
      const body = await readJson(request);
      const userId = toUserId(body?.name);
      if (userId === undefined) return error(400, "InvalidName", "Give a name (letters and digits)");
      return json({ user: userId }, 200, { "set-cookie": await sessions.signIn(userId) });
    },

    async "POST /api/logout"() {
      return json({ user: null }, 200, { "set-cookie": sessions.signOut() });
    },

    async "GET /api/me"(request) {
      const userId = await sessions.userOf(request);
      return userId === undefined ? error(401, "SignedOut", "Sign in first") : json({ user: userId });
    },

    async "POST /api/uploads/presign"(request) {
      const userId = await sessions.userOf(request);
      if (userId === undefined) return error(401, "SignedOut", "Sign in first");
      const body = await readJson(request);
      const contentType = typeof body?.contentType === "string" ? body.contentType.toLowerCase() : "";
      if (!imageTypes.includes(contentType)) {
        return error(415, "NotAnImage", `Only images can be uploaded (${imageTypes.join(", ")}), not ${contentType || "an unknown type"}`);
      }
      const size = body?.size;
      if (typeof size !== "number" || !Number.isInteger(size) || size < 1) return error(400, "InvalidSize", "size must be a positive integer");
      if (size > maxBytes) return error(413, "TooLarge", `The file is ${formatBytes(size)}; the limit is ${formatBytes(maxBytes)}`);
      const expiresIn = body?.expiresIn ?? uploadExpiresIn;
      // A page may ask for a shorter-lived URL (never a longer one).
      if (typeof expiresIn !== "number" || !Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > uploadExpiresIn) {
        return error(400, "InvalidExpiry", `expiresIn must be a whole number of seconds from 1 to ${uploadExpiresIn}`);
      }
      const fileName = safeFileName(body?.filename);
      const key = `${userPrefix(userId)}${crypto.randomUUID()}-${fileName}`;
      // The limits travel in the signature: the storage itself refuses another
      // type or another size than the one checked above, and (create-only or
      // one-time) never lets the URL replace the object once it is stored.
      const upload = await storage.signPut(key, uploadSignOptions(storage, { contentType, size, expiresIn }));
      // `expect`: what was signed, for the page to pass to uploadToSignedUrl, so a
      // file that cannot match is refused before sending, with the same error
      // on every backend (an S3 presigned PUT signs its size without showing it).
      return json({ key, upload, expect: { size, contentType }, maxBytes });
    },

    async "POST /api/uploads/commit"(request) {
      const userId = await sessions.userOf(request);
      if (userId === undefined) return error(401, "SignedOut", "Sign in first");
      const body = await readJson(request);
      const key = body?.key;
      if (!isOwnKey(key, userId)) return error(403, "NotYourKey", "That key is not one of your uploads");
      // What the page reported after the upload (uploadToSignedUrl's size and
      // etag, the file's type); "Use as avatar" sends only the key.
      const reported: { size?: number; etag?: string; contentType?: string } = {};
      if (body?.size !== undefined) reported.size = body.size as number;
      if (body?.etag !== undefined) reported.etag = body.etag as string;
      if (body?.contentType !== undefined) {
        const type = typeof body.contentType === "string" ? body.contentType.toLowerCase() : "";
        if (!imageTypes.includes(type)) return error(415, "NotAnImage", `Only images can be committed, not ${type || "an unknown type"}`);
        reported.contentType = type;
      }
      let info: ObjectInfo;
      try {
        info = await verifyUpload(storage, key, { prefix: userPrefix(userId), maxSize: maxBytes, ...reported });
      } catch (caught) {
        // Too large: the object itself is wrong, so it goes. A report that differs
        // (size, type, etag) leaves the object alone: the report was wrong, not it.
        if (isStorageError(caught, "TooLarge")) await storage.delete(key);
        throw caught;
      }
      if (info.size === 0 || !imageTypes.includes(info.contentType)) {
        await storage.delete(key);
        return error(422, "Rejected", `The upload is ${formatBytes(info.size)} of ${info.contentType || "no type"}; it was removed`);
      }
      const record: AvatarRecord = { avatarKey: key, updatedAt: new Date().toISOString() };
      await storage.put(recordKey(userId), JSON.stringify(record), { contentType: "application/json" });
      return json({ avatar: { key, url: await signedGet(key) }, item: await toItem(info) });
    },

    async "GET /api/me/avatar"(request) {
      const userId = await sessions.userOf(request);
      if (userId === undefined) return error(401, "SignedOut", "Sign in first");
      const record = await readRecord(userId);
      if (record === undefined || (await storage.head(record.avatarKey)) === null) return error(404, "NoAvatar", "No avatar yet");
      return json({ key: record.avatarKey, url: await signedGet(record.avatarKey) });
    },

    async "GET /api/uploads"(request, url) {
      const userId = await sessions.userOf(request);
      if (userId === undefined) return error(401, "SignedOut", "Sign in first");
      const limitText = url.searchParams.get("limit");
      const limit = limitText === null ? pageSize : Math.min(100, Math.max(1, Number.parseInt(limitText, 10) || pageSize));
      const cursor = url.searchParams.get("cursor") || undefined;
      const page = await storage.list({ prefix: userPrefix(userId), limit, ...(cursor ? { cursor } : {}) });
      const items = await Promise.all(page.objects.map(toItem));
      return json({ items, cursor: page.cursor ?? null });
    },

    async "DELETE /api/uploads"(request, url) {
      const userId = await sessions.userOf(request);
      if (userId === undefined) return error(401, "SignedOut", "Sign in first");
      const key = url.searchParams.get("key");
      if (!isOwnKey(key, userId)) return error(403, "NotYourKey", "That key is not one of your uploads");
      await storage.delete(key);
      const record = await readRecord(userId);
      if (record?.avatarKey === key) await storage.delete(recordKey(userId));
      return new Response(null, { status: 204 });
    },
  };

  if (options.flagRoutes !== undefined) {
    for (const method of ["GET", "PUT"]) routes[`${method} ${flagsPath}`] = options.flagRoutes;
  }

  async function toItem(info: ObjectInfo) {
    return {
      key: info.key,
      name: fileNameOf(info.key),
      size: info.size,
      etag: info.etag,
      contentType: info.contentType,
      url: await signedGet(info.key),
    };
  }

  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (storageHandler !== undefined && url.pathname.startsWith(storagePath)) return storageHandler(request);
    if (largeUploads !== undefined && url.pathname.startsWith(`${largeUploadBasePath}/`)) {
      // The same cross-site rule as the app's own routes (every upload route is a JSON POST).
      return crossSiteProblem(request, options.origin ?? url.origin) ?? largeUploads(request);
    }
    const route = routes[`${request.method} ${url.pathname}`];
    if (route !== undefined && unsafeMethods.has(request.method)) {
      const refused = crossSiteProblem(request, options.origin ?? url.origin);
      if (refused !== undefined) return refused;
    }
    try {
      if (route !== undefined) return await route(request, url);
      const asset = request.method === "GET" || request.method === "HEAD" ? assets[url.pathname] : undefined;
      if (asset !== undefined) {
        return new Response(request.method === "HEAD" ? null : asset.body, {
          headers: { "content-type": asset.type, "cache-control": "no-cache" },
        });
      }
      return error(404, "NotFound", `No route for ${request.method} ${url.pathname}`);
    } catch (caught) {
      const { status, code, message } = describeError(caught);
      if (status >= 500) console.error(`${request.method} ${url.pathname}:`, caught);
      return error(status, code, message);
    }
  };
}

/**
 * The JSON error for anything a route throws: a StorageError's code with the
 * status `httpStatusForError` gives it (InvalidKey 400, PermissionDenied 403,
 * NotFound 404, AlreadyExists 409, PreconditionFailed 412, TooLarge 413, ...);
 * anything else is a 500. A 5xx message may describe the storage's internals,
 * so it is replaced; a 4xx one is about the request.
 */
export function describeError(caught: unknown): { status: number; code: string; message: string } {
  const status = httpStatusForError(caught);
  if (!isStorageError(caught)) return { status, code: "Internal", message: "The request failed" };
  const message = status >= 500 ? (caught.retryable ? "The storage is unavailable; try again" : "The storage failed") : caught.message;
  return { status, code: caught.code, message };
}

/** Keeps a file name readable and safe in a key: letters, digits, `.`, `_`, `-`; at most 80 characters. */
export function safeFileName(name: unknown): string {
  const text = typeof name === "string" ? name : "";
  const cleaned = text
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._]+/, "")
    .slice(-80);
  return cleaned === "" ? "file" : cleaned;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

async function readJson(request: Request): Promise<Record<string, unknown> | undefined> {
  try {
    const value = (await request.json()) as unknown;
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json; charset=utf-8", ...headers } });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}
