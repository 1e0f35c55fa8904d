import type { HmacSecret } from "@stowage/core";

/** The five upload routes, each `POST {basePath}/{action}`. */
export type UploadRouteAction = "create" | "sign" | "list" | "complete" | "abort";

/** What a client asks to start: `POST {basePath}/create`. */
export interface UploadCreateIntent {
  action: "create";
  /** The file's name as the client gives it (not a key: `authorize` picks the key). */
  filename: string;
  /** The client's content type ("" when the browser does not know it). */
  contentType: string;
  /** The exact total in bytes: every part URL is signed with its exact length. */
  size: number;
  /** The file's `lastModified` (milliseconds since the epoch), when the client sent it. */
  lastModified?: number;
}

/** An action on an existing upload (sign, list, complete, abort), from the sealed token. */
export interface UploadSessionIntent {
  action: Exclude<UploadRouteAction, "create">;
  key: string;
  uploadId: string;
}

/** What `authorize` is asked about: a create, or an action on the upload a token names. */
export type UploadIntent = UploadCreateIntent | UploadSessionIntent;

/**
 * What `authorize` grants for a create: the key and the constraints of the
 * upload (passed to `storage.uploads.create` with the client's `size`).
 */
export interface UploadGrant {
  /** Where the object will be; chosen by the app, never by the client. */
  key: string;
  /** Fixed at creation; the client's type when absent (and `application/octet-stream` when that is empty). */
  contentType?: string;
  /** The largest size allowed: a client announcing more is refused with 413 `TooLarge` before anything is created. */
  maxSize?: number;
  metadata?: Record<string, string>;
  /** Completion fails with 409 `AlreadyExists` when the key exists then; of racing uploads exactly one wins. */
  ifNotExists?: boolean;
  /** Bytes per part (every part but the last); planned from the size and the backend's limits when absent. */
  partSize?: number;
  /** Seconds the session lasts (its token and its part URLs); default 86400. */
  expiresIn?: number;
}

/**
 * The app's boundary. For `create` it returns an `UploadGrant`; for the other
 * actions it returns nothing (or `true`) to allow. To refuse, throw a
 * `StorageError` (answered with its status, e.g. `PermissionDenied` → 403),
 * return `false` (403 `PermissionDenied`), or return a `Response`, which is
 * sent as is.
 */
export type UploadAuthorize = (
  request: Request,
  intent: UploadIntent,
) => UploadGrant | Response | boolean | void | Promise<UploadGrant | Response | boolean | void>;

/** Options of `createUploadRoutes`. */
export interface UploadRoutesOptions {
  /** The app's boundary: picks the key and constraints of a create, and may refuse any action. */
  authorize: UploadAuthorize;
  /**
   * Secrets that seal the session tokens (newest first; the first seals,
   * every one opens), in the form `createHmacSigner` takes. Rotate them as
   * you rotate URL-signing secrets; the same list may be used for both.
   */
  secrets: readonly HmacSecret[];
  /** The path the routes are mounted at, such as `/api/uploads`. Default `/`. */
  basePath?: string;
  /** Milliseconds since the epoch, for session expiry. Defaults to `Date.now`. */
  clock?: () => number;
}

/** A web-standard request handler serving the upload routes. */
export type UploadRoutes = (request: Request) => Promise<Response>;
