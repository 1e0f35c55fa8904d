import { createHmacSigner, createStorage, type HmacSecret } from "@stowage/core";
import { createSignedUrlHandler } from "@stowage/http";
import { r2Driver, r2NonceStore } from "@stowage/r2";

/**
 * Gateway mode: a Worker that serves HMAC-signed URLs over the R2 binding at
 * `/__storage/*`, enforcing what R2 presigned URLs cannot (maxSize, oneTime,
 * create-only). One-time nonces are kept in the bucket as create-only
 * markers, so they hold across isolates.
 */
export interface GatewayEnv {
  BUCKET: R2Bucket;
}

export const secrets: HmacSecret[] = [{ id: "k1", secret: "a gateway secret of at least thirty-two bytes" }];
export const publicBaseUrl = "https://files.example.com/__storage";

export function gatewayStorage(env: GatewayEnv) {
  return createStorage(r2Driver({ bucket: env.BUCKET, signing: createHmacSigner({ secrets, baseUrl: publicBaseUrl }) }));
}

export default {
  async fetch(request: Request, env: GatewayEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/__storage/")) {
      const storage = gatewayStorage(env);
      const nonceStore = r2NonceStore(env.BUCKET); // under __stowage/nonces/, which the driver hides and refuses to write
      return createSignedUrlHandler(storage, { secrets, basePath: "/__storage", nonceStore })(request);
    }
    return new Response("not found", { status: 404 });
  },
};
