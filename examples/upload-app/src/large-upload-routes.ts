// The "large file" mode's server side: @stowage/http's upload routes
// (create, sign, list, complete, abort) at /api/uploads/multipart, with the
// app's own login session as their boundary. The browser (src/browser/
// large-upload.ts) drives them with @stowage/client's uploadFile; the parts go
// straight to storage (S3: presigned part URLs to the bucket; fs and memory:
// HMAC part URLs served by the app's createSignedUrlHandler mount).
import { StorageError, type HmacSecret, type Storage } from "@stowage/core";
import { createUploadRoutes, type UploadGrant, type UploadIntent } from "@stowage/http";
import type { Sessions } from "./session.js";

/** Where the routes are mounted. */
export const largeUploadBasePath = "/api/uploads/multipart";
/** The largest large file, in bytes (announced size, every part's signed length, and the total at completion). */
export const largeUploadMaxSize = 1024 * 1024 * 1024;
/** Bytes per part (every part but the last). */
export const largeUploadPartSize = 8 * 1024 * 1024;
/** How long a session (its token and its part URLs) lives, in seconds. */
export const largeUploadExpiresIn = 24 * 60 * 60;

/** Where a user's large files go: `files/<userId>/<uuid>-<safe name>`. */
export const largeFilePrefix = (userId: string): string => `files/${userId}/`;

/** A MIME type the app passes on as the object's type; anything else is stored as `application/octet-stream`. */
const mediaTypePattern = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

export interface LargeUploadRoutesOptions {
  storage: Storage;
  sessions: Sessions;
  /** Seal the session tokens (the same list as the URL signer's). */
  secrets: readonly HmacSecret[];
  /** Turns a client's file name into the last segment of a key. */
  safeFileName(name: unknown): string;
  /** Default `largeUploadMaxSize`. */
  maxSize?: number;
}

/**
 * The upload routes of the large-file mode. `authorize`:
 * - create: a signed-in user only; the server picks the key under the
 *   user's prefix (a fresh UUID and a cleaned file name, never the client's
 *   name as is), the size limit, the part size and the content type (fixed
 *   at creation); create-only where the storage can hold it at completion;
 * - sign, list, complete, abort: the token's key must be under the caller's prefix.
 */
export function createLargeUploadRoutes(options: LargeUploadRoutesOptions): (request: Request) => Promise<Response> {
  const { storage, sessions } = options;
  const maxSize = options.maxSize ?? largeUploadMaxSize;
  // Create-only holds at completion on fs and memory; Ceph RGW 16 ignores the
  // condition on CompleteMultipartUpload, so the storage refuses it there (the
  // key is a fresh UUID either way).
  const createOnly = storage.capabilities.uploadIfNotExists;
  return createUploadRoutes(storage, {
    secrets: options.secrets,
    basePath: largeUploadBasePath,
    async authorize(request: Request, intent: UploadIntent): Promise<UploadGrant | Response | void> {
      const userId = await sessions.userOf(request);
      if (userId === undefined) return signedOut();
      if (intent.action === "create") {
        const type = intent.contentType.toLowerCase();
        return {
          key: `${largeFilePrefix(userId)}${crypto.randomUUID()}-${options.safeFileName(intent.filename)}`,
          contentType: mediaTypePattern.test(type) ? type : "application/octet-stream",
          maxSize,
          partSize: largeUploadPartSize,
          expiresIn: largeUploadExpiresIn,
          metadata: { uploader: userId },
          ...(createOnly ? { ifNotExists: true } : {}),
        };
      }
      const prefix = largeFilePrefix(userId);
      if (!intent.key.startsWith(prefix) || intent.key.slice(prefix.length).includes("/")) {
        throw new StorageError("PermissionDenied", "That upload is not yours");
      }
    },
  });
}

function signedOut(): Response {
  return new Response(JSON.stringify({ error: { code: "SignedOut", message: "Sign in first" } }), {
    status: 401,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}
