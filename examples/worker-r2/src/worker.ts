// The signed-upload flow as a Cloudflare Worker over the R2 binding.
//
// R2's binding cannot presign, and R2's own presigned URLs cannot limit an
// upload's size. So this Worker is the gateway: it mints HMAC-signed URLs
// (createHmacSigner) that point back at itself, and serves them at
// /__storage/* with @stowage/http's handler, which enforces every signed
// constraint (content type, maxSize while streaming) before bytes reach R2.
//
//   POST /api/login             { name } → a demo session cookie
//   POST /api/uploads/presign   { filename, contentType, size } → { key, upload }
//   PUT  /__storage/<key>?…     the upload itself (the signed URL)
//   POST /api/uploads/commit    { key } → checks prefix, size and type; records the avatar
//   GET  /api/me/avatar         → { key, url } (a signed GET)
//   GET  /api/uploads?cursor=   → { items, cursor }
//   DELETE /api/uploads?key=
import type { R2Bucket } from "@cloudflare/workers-types/2023-07-01";
import { createHmacSigner, createStorage, type HmacSecret, type Storage } from "@stowage/core";
import { createSignedUrlHandler } from "@stowage/http";
import { r2Driver } from "@stowage/r2";

export interface Env {
  BUCKET: R2Bucket;
  /** At least 32 random bytes: `wrangler secret put SIGNING_SECRET`. */
  SIGNING_SECRET: string;
}

const storagePath = "/__storage";
const maxBytes = 5 * 1024 * 1024;
const imageTypes = ["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"];
const pageSize = 12;
const encoder = new TextEncoder();

interface Gateway {
  storage: Storage;
  handler: (request: Request) => Promise<Response>;
}

// One gateway per origin and secret, kept for the isolate's life, so each
// HMAC key is imported once.
const gateways = new Map<string, Gateway>();

function gatewayFor(env: Env, origin: string): Gateway {
  const cacheKey = `${origin} ${env.SIGNING_SECRET}`;
  let gateway = gateways.get(cacheKey);
  if (gateway === undefined) {
    const secrets: HmacSecret[] = [{ id: "s1", secret: env.SIGNING_SECRET }];
    const signing = createHmacSigner({ secrets, baseUrl: `${origin}${storagePath}` });
    const storage = createStorage(r2Driver({ bucket: env.BUCKET, signing }));
    gateway = { storage, handler: createSignedUrlHandler(storage, { secrets, basePath: storagePath }) };
    gateways.set(cacheKey, gateway);
  }
  return gateway;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    try {
      const { storage, handler } = gatewayFor(env, url.origin);
      if (url.pathname.startsWith(`${storagePath}/`)) return await handler(request);
      return await route(request, url, env, storage);
    } catch (error) {
      return json({ error: { code: (error as { code?: string }).code ?? "Internal", message: (error as Error).message } }, 500);
    }
  },
};

async function route(request: Request, url: URL, env: Env, storage: Storage): Promise<Response> {
  const action = `${request.method} ${url.pathname}`;
  if (action === "POST /api/login") {
    const userId = toUserId((await readJson(request))?.name);
    if (userId === undefined) return error(400, "InvalidName", "Give a name (letters and digits)");
    return json({ user: userId }, 200, { "set-cookie": `sid=${userId}.${await mac(env, userId)}; Path=/; HttpOnly; Secure; SameSite=Lax` });
  }

  const userId = await userOf(request, env);
  if (userId === undefined) return error(401, "SignedOut", "Sign in first");
  const prefix = `avatars/${userId}/`;
  const recordKey = `users/${userId}.json`;

  switch (action) {
    case "POST /api/uploads/presign": {
      const body = await readJson(request);
      const contentType = typeof body?.contentType === "string" ? body.contentType.toLowerCase() : "";
      if (!imageTypes.includes(contentType)) return error(415, "NotAnImage", `Only images can be uploaded, not ${contentType || "an unknown type"}`);
      const size = body?.size;
      if (typeof size !== "number" || !Number.isInteger(size) || size < 1) return error(400, "InvalidSize", "size must be a positive integer");
      if (size > maxBytes) return error(413, "TooLarge", `The file is ${size} bytes; the limit is ${maxBytes}`);
      const key = `${prefix}${crypto.randomUUID()}-${safeFileName(body?.filename)}`;
      // maxSize and the type are in the signature: the gateway refuses anything else.
      const upload = await storage.signPut(key, { contentType, maxSize: maxBytes, expiresIn: 300 });
      return json({ key, upload });
    }
    case "POST /api/uploads/commit": {
      const key = (await readJson(request))?.key;
      if (typeof key !== "string" || !key.startsWith(prefix) || key.includes("..") || key.slice(prefix.length).includes("/")) {
        return error(403, "NotYourKey", "That key is not one of your uploads");
      }
      const info = await storage.head(key);
      if (info === null) return error(404, "NotUploaded", "Nothing was uploaded under that key");
      if (info.size === 0 || info.size > maxBytes || !imageTypes.includes(info.contentType)) {
        await storage.delete(key);
        return error(422, "Rejected", "The upload is not an image of at most 5 MiB; it was removed");
      }
      await storage.put(recordKey, JSON.stringify({ avatarKey: key, updatedAt: new Date().toISOString() }), { contentType: "application/json" });
      return json({ avatar: { key, url: (await storage.signGet(key)).url } });
    }
    case "GET /api/me/avatar": {
      const record = await storage.get(recordKey);
      if (record === null) return error(404, "NoAvatar", "No avatar yet");
      const { avatarKey } = await record.json<{ avatarKey: string }>();
      if ((await storage.head(avatarKey)) === null) return error(404, "NoAvatar", "No avatar yet");
      return json({ key: avatarKey, url: (await storage.signGet(avatarKey)).url });
    }
    case "GET /api/uploads": {
      const cursor = url.searchParams.get("cursor") || undefined;
      const limit = Math.min(100, Math.max(1, Number(url.searchParams.get("limit")) || pageSize));
      const page = await storage.list({ prefix, limit, ...(cursor ? { cursor } : {}) });
      const items = await Promise.all(
        page.objects.map(async (object) => ({ key: object.key, size: object.size, contentType: object.contentType, url: (await storage.signGet(object.key)).url })),
      );
      return json({ items, cursor: page.cursor ?? null });
    }
    case "DELETE /api/uploads": {
      const key = url.searchParams.get("key") ?? "";
      if (!key.startsWith(prefix) || key.includes("..")) return error(403, "NotYourKey", "That key is not one of your uploads");
      await storage.delete(key);
      const record = await storage.get(recordKey);
      if (record !== null && (await record.json<{ avatarKey: string }>()).avatarKey === key) await storage.delete(recordKey);
      return new Response(null, { status: 204 });
    }
    default:
      return error(404, "NotFound", `No route for ${action}`);
  }
}

// ------------------------------------------------------------ demo session

function toUserId(name: unknown): string | undefined {
  if (typeof name !== "string") return undefined;
  const id = name.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 32);
  return id === "" ? undefined : id;
}

async function mac(env: Env, userId: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(`session:${env.SIGNING_SECRET}`), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(userId)));
  return btoa(String.fromCharCode(...signature)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function userOf(request: Request, env: Env): Promise<string | undefined> {
  const match = /(?:^|;\s*)sid=([a-z0-9-]+)\.([A-Za-z0-9_-]+)/.exec(request.headers.get("cookie") ?? "");
  if (match === null) return undefined;
  const expected = await mac(env, match[1]!);
  let difference = expected.length ^ match[2]!.length;
  for (let index = 0; index < expected.length; index++) difference |= expected.charCodeAt(index) ^ (match[2]!.charCodeAt(index) || 0);
  return difference === 0 ? match[1] : undefined;
}

// ------------------------------------------------------------ helpers

function safeFileName(name: unknown): string {
  const cleaned = (typeof name === "string" ? name : "").normalize("NFKD").replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "").slice(-80);
  return cleaned === "" ? "file" : cleaned;
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
