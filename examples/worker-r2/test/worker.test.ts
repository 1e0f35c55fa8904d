// The Worker inside workerd, through its fetch handler: the upload app's
// routes (presign → upload through the gateway → commit → display, paging,
// delete) and the refusals, over a real R2 binding (miniflare).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker, { type Env } from "../src/worker.ts";

const workerEnv = env as unknown as Env;
const origin = "https://uploads.example.com";
const jsonType = { "content-type": "application/json" };

interface Signed {
  url: string;
  method: string;
  headers: Record<string, string>;
}

async function call(path: string, init: RequestInit & { cookie?: string } = {}, callEnv: Env = workerEnv): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("cookie", init.cookie);
  if (init.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  const url = path.startsWith("http") ? path : `${origin}${path}`;
  return worker.fetch(new Request(url, { ...init, headers }), callEnv);
}

async function signIn(name: string): Promise<string> {
  const response = await call("/api/login", { method: "POST", body: JSON.stringify({ name }) });
  expect(response.status).toBe(200);
  return response.headers.get("set-cookie")!.split(";")[0]!;
}

async function presign(cookie: string, request: { filename: string; contentType: string; size: number }) {
  const response = await call("/api/uploads/presign", { method: "POST", cookie, body: JSON.stringify(request) });
  return { status: response.status, body: (await response.json()) as { key: string; upload: Signed; maxBytes: number; error?: { code: string } } };
}

/** A small valid PNG (1×1, red). */
const png = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"),
  (character) => character.charCodeAt(0),
);

/**
 * Sends a body to a signed URL as a browser does, with its Content-Length
 * (the gateway then refuses a wrong size before reading a byte; a streamed
 * body of unknown length over the limit is covered by packages/r2's gateway
 * conformance run).
 */
async function upload(signed: Signed, body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = signed.headers): Promise<Response> {
  const request = new Request(signed.url, { method: signed.method, headers: { ...headers, "content-length": String(body.byteLength) }, body });
  return worker.fetch(request, workerEnv);
}

async function errorCode(response: Response): Promise<string | undefined> {
  return ((await response.json()) as { error?: { code?: string } }).error?.code;
}

describe("worker-r2: the upload app's flow through the Worker's fetch handler", () => {
  it("presigns an exact-size, create-only, one-time upload, uploads through the gateway into R2, commits and displays the avatar", async () => {
    const cookie = await signIn("Alice");
    const { status, body } = await presign(cookie, { filename: "me.png", contentType: "image/png", size: png.length });
    expect(status).toBe(200);
    expect(body.key).toMatch(/^avatars\/alice\/[0-9a-f-]{36}-me\.png$/);
    expect(body.maxBytes).toBe(5 * 1024 * 1024);
    expect(body.upload.method).toBe("PUT");
    expect(body.upload.url.startsWith(`${origin}/__storage/avatars/alice/`)).toBe(true);
    expect(body.upload.headers).toMatchObject({ "content-type": "image/png" });
    // The upload app's recipe: the exact size, create-only and one-time are in the signature.
    const query = new URL(body.upload.url).searchParams;
    expect(query.get("size")).toBe(String(png.length));
    expect(query.get("nonce")).not.toBeNull();

    const put = await upload(body.upload, png);
    expect(put.status, await put.clone().text()).toBe(200);
    // The bytes are in the R2 bucket itself.
    const stored = await workerEnv.BUCKET.get(body.key);
    expect(stored?.httpMetadata?.contentType).toBe("image/png");
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(png);

    const commit = await call("/api/uploads/commit", { method: "POST", cookie, body: JSON.stringify({ key: body.key }) });
    expect(commit.status).toBe(200);
    const committed = (await commit.json()) as { avatar: { key: string; url: string }; item: { key: string; name: string; size: number; contentType: string } };
    expect(committed.avatar.key).toBe(body.key);
    expect(committed.item).toMatchObject({ key: body.key, name: "me.png", size: png.length, contentType: "image/png" });
    const record = await workerEnv.BUCKET.get("users/alice.json");
    expect(JSON.parse(await record!.text())).toMatchObject({ avatarKey: body.key });

    const avatar = await call("/api/me/avatar", { cookie });
    expect(avatar.status).toBe(200);
    const { url } = (await avatar.json()) as { url: string };
    const image = await call(url);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(png);

    // The same URL again: refused, and the stored image is unchanged.
    const replay = await upload(body.upload, png);
    expect(replay.status).toBeGreaterThanOrEqual(400);
    expect(replay.status).toBeLessThan(500);
    expect(["AlreadyExists", "AlreadyUsed"]).toContain(await errorCode(replay));
    expect((await workerEnv.BUCKET.head(body.key))?.etag).toBe(stored!.etag);
    // Once deleted, the one-time URL stays spent (its nonce is kept in the bucket).
    await workerEnv.BUCKET.delete(body.key);
    const afterDelete = await upload(body.upload, png);
    expect(afterDelete.status).toBe(403);
    expect(await errorCode(afterDelete)).toBe("AlreadyUsed");
    expect(await workerEnv.BUCKET.head(body.key)).toBeNull();
  });

  it("pages the uploads over list cursors, and delete removes one", async () => {
    const cookie = await signIn("Carol");
    const keys: string[] = [];
    for (let index = 0; index < 5; index++) {
      const { body } = await presign(cookie, { filename: `p${index}.png`, contentType: "image/png", size: png.length });
      expect((await upload(body.upload, png)).status).toBe(200);
      expect((await call("/api/uploads/commit", { method: "POST", cookie, body: JSON.stringify({ key: body.key }) })).status).toBe(200);
      keys.push(body.key);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await call(`/api/uploads?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { cookie });
      const page = (await response.json()) as { items: { key: string; name: string; url: string }[]; cursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item) => item.key));
      cursor = page.cursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([...keys].sort());

    expect((await call(`/api/uploads?key=${encodeURIComponent(keys[0]!)}`, { method: "DELETE", cookie, headers: jsonType })).status).toBe(204);
    expect(await workerEnv.BUCKET.head(keys[0]!)).toBeNull();
    const after = (await (await call("/api/uploads", { cookie })).json()) as { items: { key: string }[] };
    expect(after.items.map((item) => item.key)).not.toContain(keys[0]);
    expect(after.items).toHaveLength(4);
  });

  it("refuses a non-image, a declared 6 MiB file, a body of another size than signed, and another content type", async () => {
    const cookie = await signIn("Bob");
    const text = await presign(cookie, { filename: "notes.txt", contentType: "text/plain", size: 10 });
    expect([text.status, text.body.error?.code]).toEqual([415, "NotAnImage"]);
    const big = await presign(cookie, { filename: "big.png", contentType: "image/png", size: 6 * 1024 * 1024 });
    expect([big.status, big.body.error?.code]).toEqual([413, "TooLarge"]);

    // Each refusal on a URL of its own: a one-time URL is spent once a body starts streaming.
    const fresh = async () => (await presign(cookie, { filename: "liar.png", contentType: "image/png", size: 100 })).body;
    const tooBig = await fresh();
    const tooBigAnswer = await upload(tooBig.upload, new Uint8Array(6 * 1024 * 1024));
    expect([tooBigAnswer.status, await errorCode(tooBigAnswer)]).toEqual([413, "TooLarge"]);
    expect(await workerEnv.BUCKET.head(tooBig.key)).toBeNull();
    const tooSmall = await fresh();
    const tooSmallAnswer = await upload(tooSmall.upload, new Uint8Array(99));
    expect([tooSmallAnswer.status, await errorCode(tooSmallAnswer)]).toEqual([400, "SizeMismatch"]);
    expect(await workerEnv.BUCKET.head(tooSmall.key)).toBeNull();

    const wrongType = await fresh();
    const wrongTypeAnswer = await upload(wrongType.upload, new Uint8Array(100), { "content-type": "text/html" });
    expect([wrongTypeAnswer.status, await errorCode(wrongTypeAnswer)]).toEqual([403, "ContentTypeMismatch"]);
    expect(await workerEnv.BUCKET.head(wrongType.key)).toBeNull();
    // The same URL with the signed type and size still works.
    expect((await upload(wrongType.upload, new Uint8Array(100))).status).toBe(200);
    expect((await workerEnv.BUCKET.head(wrongType.key))?.size).toBe(100);
  });

  it("refuses a tampered signed URL, another user's key, a cross-site request and a missing session", async () => {
    const cookie = await signIn("Dave");
    const { body } = await presign(cookie, { filename: "t.png", contentType: "image/png", size: png.length });
    const tampered = { ...body.upload, url: body.upload.url.replace("/avatars/dave/", "/avatars/erin/") };
    const refused = await upload(tampered, png);
    expect([refused.status, await errorCode(refused)]).toEqual([403, "InvalidSignature"]);
    // Raising the signed size breaks the signature too.
    const raised = { ...body.upload, url: body.upload.url.replace(`size=${png.length}`, `size=${png.length + 1}`) };
    expect(raised.url).not.toBe(body.upload.url);
    expect((await upload(raised, new Uint8Array(png.length + 1))).status).toBe(403);
    expect(await workerEnv.BUCKET.head(body.key)).toBeNull();

    const otherUsers = await call("/api/uploads/commit", {
      method: "POST",
      cookie,
      body: JSON.stringify({ key: "avatars/alice/00000000-0000-4000-8000-000000000000-x.png" }),
    });
    expect(otherUsers.status).toBe(403);
    const crossSite = await call("/api/uploads/presign", {
      method: "POST",
      cookie,
      headers: { origin: "https://evil.example" },
      body: JSON.stringify({ filename: "x.png", contentType: "image/png", size: 10 }),
    });
    expect(crossSite.status).toBe(403);
    expect((await call("/api/uploads/commit", { method: "POST", body: JSON.stringify({ key: body.key }) })).status).toBe(401);
    expect((await call("/api/me/avatar", { cookie: "sid=dave.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" })).status).toBe(401);
  });

  it("without SIGNING_SECRET (or with a short one), every request answers an error that names the variable and the fix", async () => {
    for (const [secretEnv, what] of [
      [{ BUCKET: workerEnv.BUCKET }, "SIGNING_SECRET is not set"],
      [{ BUCKET: workerEnv.BUCKET, SIGNING_SECRET: "" }, "SIGNING_SECRET is not set"],
      [{ BUCKET: workerEnv.BUCKET, SIGNING_SECRET: "too short" }, "SIGNING_SECRET is shorter than 32 bytes"],
    ] as const) {
      for (const path of ["/api/me", "/api/uploads"]) {
        const response = await call(path, {}, secretEnv as Env);
        expect(response.status).toBe(500);
        const { error } = (await response.json()) as { error: { code: string; message: string } };
        expect(error.code).toBe("MissingSigningSecret");
        expect(error.message).toContain(what);
        expect(error.message).toContain("wrangler secret put SIGNING_SECRET");
        expect(error.message).toContain(".dev.vars");
      }
    }
  });
});
