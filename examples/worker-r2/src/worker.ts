// The upload app as a Cloudflare Worker over the R2 binding.
//
// The routes, their JSON and the page are the Node upload app's own: this
// Worker runs `createUploadApp` from examples/upload-app/src/upload-app.ts
// (a web-standard handler), and serves the same page (built into
// dist/assets by build.mjs, served by Workers Static Assets).
//
// R2's binding cannot presign, and R2's own presigned URLs cannot be
// one-time or refuse another size. So this Worker is the gateway: it mints
// HMAC-signed URLs (createHmacSigner) that point back at itself, and serves
// them at /__storage/* with @stowage/http's handler, which enforces every
// signed constraint (type, exact size, create-only, one-time) before a byte
// is committed to R2.
//
//   POST /api/login             { name } → a demo session cookie
//   POST /api/logout, GET /api/me
//   POST /api/uploads/presign   { filename, contentType, size } → { key, upload, maxBytes }
//   PUT  /__storage/<key>?…     the upload itself (the signed URL)
//   POST /api/uploads/commit    { key } → { avatar: { key, url }, item }
//   GET  /api/me/avatar         → { key, url } (a signed GET)
//   GET  /api/uploads?cursor=   → { items, cursor }
//   DELETE /api/uploads?key=
//   POST /api/uploads/multipart/{create,sign,list,complete,abort}
//                               the large-file mode (multipart, @stowage/http's
//                               createUploadRoutes, mounted by the app)
//   PUT  /__storage/<key>?…&partNumber=…  a part of a multipart upload
//   GET/PUT /api/flags          feature flags on Workers KV (env.CONFIG) with a TTL:
//                               the upload app's src/feature-flags.ts, the same
//                               module the Node app runs over fs (PUT needs
//                               Authorization: Bearer <FLAGS_TOKEN>)
//
// Encrypted mode: when STORAGE_ENCRYPTION_KEYS is set, the storage is
// withEncryption(r2Driver(...)) with the same HMAC signer, so every upload
// through /__storage is stored encrypted in R2 and every signed GET is served
// decrypted (ranges included). The large-file (multipart) mode is off there:
// parts would reach R2 unencrypted.
import type { KVNamespace, R2Bucket } from "@cloudflare/workers-types/2023-07-01";
import { StorageError, createHmacSigner, createStorage, type HmacSecret } from "@stowage/core";
import { keyringFromEnvironment, withEncryption } from "@stowage/encryption";
import { createSignedUrlHandler } from "@stowage/http";
import { createKv, kvBinding } from "@stowage/kv";
import { r2Driver, r2NonceStore } from "@stowage/r2";
import { bearerTokenAuthorizer, createFlagRoutes, flagsKvOptions } from "../../upload-app/src/feature-flags.ts";
import { createUploadApp } from "../../upload-app/src/upload-app.ts";

export interface Env {
  BUCKET: R2Bucket;
  /**
   * The feature flags' Workers KV namespace (wrangler.jsonc `kv_namespaces`).
   * Without it `/api/flags` is not mounted (404).
   */
  CONFIG?: KVNamespace;
  /**
   * Optional: authorizes `PUT /api/flags` (`Authorization: Bearer <FLAGS_TOKEN>`);
   * without it the flags are read-only. Production: `wrangler secret put FLAGS_TOKEN`.
   */
  FLAGS_TOKEN?: string;
  /**
   * Signs the upload and download URLs and the session cookie; at least 32
   * bytes. Production: `wrangler secret put SIGNING_SECRET`. Development:
   * `.dev.vars` (the dev script copies `.dev.vars.example`).
   */
  SIGNING_SECRET?: string;
  /**
   * Optional: turns on encrypted mode. Key-encryption keys as
   * `id:base64secret[,id:base64secret...]` (each secret at least 32 bytes; the
   * first key wraps new objects, every key reads). Production:
   * `wrangler secret put STORAGE_ENCRYPTION_KEYS`.
   */
  STORAGE_ENCRYPTION_KEYS?: string;
  /** Optional: the gallery's page size (default 12); the browser test sets 2 to page with a few images. */
  GALLERY_PAGE_SIZE?: string;
}

const storagePath = "/__storage";
const minSecretBytes = 32;

/** The answer while SIGNING_SECRET is missing or too short: what to set, and how. */
export function missingSecretMessage(problem: "missing" | "short"): string {
  const what =
    problem === "missing"
      ? "SIGNING_SECRET is not set"
      : `SIGNING_SECRET is shorter than ${minSecretBytes} bytes`;
  return (
    `${what}. It signs the upload URLs and the session cookie. ` +
    "In development: run `pnpm --filter @stowage/example-worker-r2 dev` (it copies .dev.vars.example to .dev.vars), " +
    "or put SIGNING_SECRET=<at least 32 random bytes> in examples/worker-r2/.dev.vars. " +
    "In production: `wrangler secret put SIGNING_SECRET` with at least 32 random bytes (for example `openssl rand -hex 32`)."
  );
}

// One app per origin and secret, kept for the isolate's life, so each HMAC
// key is imported once.
const apps = new Map<string, (request: Request) => Promise<Response>>();

/** True when the Worker runs in encrypted mode (STORAGE_ENCRYPTION_KEYS is set). */
export function encryptedMode(env: Env): boolean {
  return typeof env.STORAGE_ENCRYPTION_KEYS === "string" && env.STORAGE_ENCRYPTION_KEYS.trim() !== "";
}

function appFor(env: Env, origin: string, secret: string): (request: Request) => Promise<Response> {
  const encrypted = encryptedMode(env);
  const cacheKey = `${origin} ${secret} ${encrypted ? env.STORAGE_ENCRYPTION_KEYS : ""} ${env.FLAGS_TOKEN ?? ""} ${env.CONFIG === undefined ? "" : "flags"}`;
  let app = apps.get(cacheKey);
  if (app === undefined) {
    const secrets: HmacSecret[] = [{ id: "s1", secret }];
    const baseUrl = `${origin}${storagePath}`;
    // Encrypted mode: the layer holds the gateway signer (it never uses a
    // native presign), and the handler below serves its URLs over this same
    // layered storage, so it encrypts uploads and decrypts downloads.
    const storage = encrypted
      ? createStorage(withEncryption(r2Driver({ bucket: env.BUCKET }), { keyring: keyringFromEnvironment(env.STORAGE_ENCRYPTION_KEYS), signing: { secrets, baseUrl } }))
      : createStorage(r2Driver({ bucket: env.BUCKET, signing: createHmacSigner({ secrets, baseUrl }) }));
    // One-time nonces are kept in the bucket (create-only markers under the
    // driver's reserved __stowage/nonces/, never listed), so a used URL stays
    // used across isolates.
    const nonceStore = r2NonceStore(env.BUCKET);
    const storageHandler = createSignedUrlHandler(storage, { secrets, basePath: storagePath, nonceStore });
    const pageSize = Number.parseInt(env.GALLERY_PAGE_SIZE ?? "", 10);
    app = createUploadApp({
      storage,
      sessionSecret: new TextEncoder().encode(`session:${secret}`),
      assets: {}, // the page is served by Workers Static Assets (wrangler.jsonc "assets")
      storagePath: `${storagePath}/`,
      storageHandler,
      // The large-file mode: the app mounts @stowage/http's createUploadRoutes at
      // /api/uploads/multipart (tokens sealed with these secrets). The driver is in
      // gateway mode with the HMAC signer, which also signs the part URLs: they
      // point back at /__storage, where the handler above stores each part
      // through the binding (resumeMultipartUpload).
      // Not in encrypted mode: withEncryption has no upload sessions (parts
      // would reach R2 unencrypted), so the large-file routes are not mounted.
      ...(encrypted ? {} : { uploadSecrets: secrets }),
      secureCookies: origin.startsWith("https:"),
      ...(pageSize >= 1 ? { pageSize } : {}),
      // Feature flags: the Node app's module over Workers KV instead of its
      // storage. The Kv (and its 5 s read cache) lives as long as the isolate.
      ...(env.CONFIG === undefined
        ? {}
        : { flagRoutes: createFlagRoutes(createKv(kvBinding({ namespace: env.CONFIG }), flagsKvOptions), { authorize: bearerTokenAuthorizer(env.FLAGS_TOKEN) }) }),
    });
    apps.set(cacheKey, app);
  }
  return app;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const secret = env.SIGNING_SECRET;
    const problem = typeof secret !== "string" || secret === "" ? "missing" : new TextEncoder().encode(secret).byteLength < minSecretBytes ? "short" : undefined;
    if (problem !== undefined) {
      const message = missingSecretMessage(problem);
      console.error(message);
      return new Response(JSON.stringify({ error: { code: "MissingSigningSecret", message } }), {
        status: 500,
        headers: { "content-type": "application/json; charset=utf-8" },
      });
    }
    let app: (request: Request) => Promise<Response>;
    try {
      app = appFor(env, new URL(request.url).origin, secret!);
    } catch (error) {
      // A malformed STORAGE_ENCRYPTION_KEYS (the message never echoes a secret).
      if (!(error instanceof StorageError)) throw error;
      console.error(error.message);
      return new Response(JSON.stringify({ error: { code: "InvalidEncryptionKeys", message: error.message } }), {
        status: 500,
        headers: { "content-type": "application/json; charset=utf-8" },
      });
    }
    return app(request);
  },
};
