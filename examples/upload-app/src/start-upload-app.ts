// Starts the upload app on node:http over the storage that STORAGE_URL names.
import type { Storage } from "@stowage/core";
import { openStorage } from "@stowage/open";
import { createSignedUrlHandler } from "@stowage/http";
import { configureCors } from "@stowage/s3";
import { serveHandler } from "@stowage/http/node";
import { createKv } from "@stowage/kv";
import { bearerTokenAuthorizer, createFlagRoutes, flagsKvOptions } from "./feature-flags.js";
import { createUploadApp, type Asset } from "./upload-app.js";

export interface StartUploadAppOptions {
  /** Default `file:./data`. */
  storageUrl?: string;
  /** Static files (index.html at `/`, `/app.js`, `/style.css`). */
  assets: Record<string, Asset>;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** The origin browsers use, when it differs from the listening address (a proxy). */
  publicUrl?: string;
  /** Signs the fs/memory upload URLs and the session cookie; default: random at each start. */
  secret?: string;
  /** Gallery page size. */
  pageSize?: number;
  /**
   * Authorizes `PUT /api/flags` (`Authorization: Bearer <flagsToken>`).
   * Without it the flags are read-only.
   */
  flagsToken?: string;
  /** Where openStorage reads the AWS variables. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

export interface RunningUploadApp {
  url: string;
  storage: Storage;
  close(): Promise<void>;
}

const storagePath = "/__storage";

export async function startUploadApp(options: StartUploadAppOptions): Promise<RunningUploadApp> {
  const storageUrl = options.storageUrl ?? "file:./data";
  let handler: ((request: Request) => Promise<Response>) | undefined;
  const served = await serveHandler(
    (request) => (handler === undefined ? Promise.resolve(new Response("starting", { status: 503 })) : handler(request)),
    { host: options.host ?? "127.0.0.1", port: options.port ?? 0 },
  );
  try {
    const publicUrl = (options.publicUrl ?? served.url).replace(/\/+$/, "");
    const secretText = options.secret ?? randomSecret();
    const secrets = [{ id: "app", secret: secretText }];
    const env = options.env ?? process.env;
    const nativeSigning = /^(s3|r2):/i.test(storageUrl);
    // fs and memory sign with HMAC, and this same server serves the URLs.
    const storage = await openStorage({
      url: storageUrl,
      env,
      ...(nativeSigning ? {} : { signing: { secrets, baseUrl: `${publicUrl}${storagePath}` } }),
    });
    // S3: the browser uploads straight to the bucket, so the bucket's CORS must
    // allow this origin (GET and HEAD for the images, PUT for the signed
    // uploads, with content-type and if-none-match; ETag exposed).
    if (storageUrl.startsWith("s3:")) {
      const origin = new URL(publicUrl).origin;
      // One rule per app origin (its own id), so apps on other origins sharing the bucket keep theirs.
      await configureCors(storage, { origins: [origin], methods: ["GET", "HEAD", "PUT"], bucket: new URL(storageUrl).hostname, id: `upload-app ${origin}` });
    }
    handler = createUploadApp({
      storage,
      sessionSecret: new TextEncoder().encode(`session:${secretText}`),
      assets: options.assets,
      storagePath: `${storagePath}/`,
      ...(nativeSigning ? {} : { storageHandler: createSignedUrlHandler(storage, { secrets, basePath: storagePath }) }),
      uploadSecrets: secrets,
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
      secureCookies: publicUrl.startsWith("https:"),
      origin: new URL(publicUrl).origin,
      // Feature flags on KV with a TTL, kept in this same storage under config/
      // (fs in development); the R2 Worker mounts the same routes over Workers KV.
      flagRoutes: createFlagRoutes(createKv(storage, flagsKvOptions), { authorize: bearerTokenAuthorizer(options.flagsToken) }),
    });
    return { url: publicUrl, storage, close: () => served.close() };
  } catch (error) {
    await served.close();
    throw error;
  }
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
