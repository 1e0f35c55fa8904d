// The Worker inside workerd, through its fetch handler: presign → upload →
// commit → display, and the refusals, over a real R2 binding (miniflare).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker, { type Env } from "../src/worker.ts";

const workerEnv = env as unknown as Env;
const origin = "https://uploads.example.com";

interface Signed {
  url: string;
  method: string;
  headers: Record<string, string>;
}

async function call(path: string, init: RequestInit & { cookie?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("cookie", init.cookie);
  const url = path.startsWith("http") ? path : `${origin}${path}`;
  return worker.fetch(new Request(url, { ...init, headers }), workerEnv);
}

async function signIn(name: string): Promise<string> {
  const response = await call("/api/login", { method: "POST", body: JSON.stringify({ name }) });
  expect(response.status).toBe(200);
  return response.headers.get("set-cookie")!.split(";")[0]!;
}

async function presign(cookie: string, request: { filename: string; contentType: string; size: number }) {
  const response = await call("/api/uploads/presign", { method: "POST", cookie, body: JSON.stringify(request) });
  return { status: response.status, body: (await response.json()) as { key: string; upload: Signed; error?: { code: string } } };
}

/** A small valid PNG (1×1, red). */
const png = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"),
  (character) => character.charCodeAt(0),
);

async function upload(signed: Signed, body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = signed.headers): Promise<Response> {
  return worker.fetch(new Request(signed.url, { method: signed.method, headers, body }), workerEnv);
}

describe("worker-r2: the signed-upload flow through the Worker's fetch handler", () => {
  it("presigns, uploads through the gateway into R2, commits and displays the avatar", async () => {
    const cookie = await signIn("Alice");
    const { status, body } = await presign(cookie, { filename: "me.png", contentType: "image/png", size: png.length });
    expect(status).toBe(200);
    expect(body.key).toMatch(/^avatars\/alice\/[0-9a-f-]{36}-me\.png$/);
    expect(body.upload.method).toBe("PUT");
    expect(body.upload.url.startsWith(`${origin}/__storage/avatars/alice/`)).toBe(true);
    expect(body.upload.headers).toEqual({ "content-type": "image/png" });

    const put = await upload(body.upload, png);
    expect(put.status).toBeLessThan(300);
    // The bytes are in the R2 bucket itself.
    const stored = await workerEnv.BUCKET.get(body.key);
    expect(stored?.httpMetadata?.contentType).toBe("image/png");
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(png);

    const commit = await call("/api/uploads/commit", { method: "POST", cookie, body: JSON.stringify({ key: body.key }) });
    expect(commit.status).toBe(200);
    const record = await workerEnv.BUCKET.get("users/alice.json");
    expect(JSON.parse(await record!.text())).toMatchObject({ avatarKey: body.key });

    const avatar = await call("/api/me/avatar", { cookie });
    expect(avatar.status).toBe(200);
    const { url } = (await avatar.json()) as { url: string };
    const image = await call(url);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(png);
  });

  it("pages the uploads over list cursors, and delete removes one", async () => {
    const cookie = await signIn("Carol");
    const keys: string[] = [];
    for (let index = 0; index < 5; index++) {
      const { body } = await presign(cookie, { filename: `p${index}.png`, contentType: "image/png", size: png.length });
      expect((await upload(body.upload, png)).status).toBeLessThan(300);
      expect((await call("/api/uploads/commit", { method: "POST", cookie, body: JSON.stringify({ key: body.key }) })).status).toBe(200);
      keys.push(body.key);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await call(`/api/uploads?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { cookie });
      const page = (await response.json()) as { items: { key: string; url: string }[]; cursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item) => item.key));
      cursor = page.cursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([...keys].sort());

    expect((await call(`/api/uploads?key=${encodeURIComponent(keys[0]!)}`, { method: "DELETE", cookie })).status).toBe(204);
    expect(await workerEnv.BUCKET.head(keys[0]!)).toBeNull();
    const after = (await (await call("/api/uploads", { cookie })).json()) as { items: { key: string }[] };
    expect(after.items.map((item) => item.key)).not.toContain(keys[0]);
    expect(after.items).toHaveLength(4);
  });

  it("refuses a non-image, a declared 6 MiB file, and a body over 5 MiB sent to a small presign", async () => {
    const cookie = await signIn("Bob");
    expect((await presign(cookie, { filename: "notes.txt", contentType: "text/plain", size: 10 })).status).toBe(415);
    expect((await presign(cookie, { filename: "big.png", contentType: "image/png", size: 6 * 1024 * 1024 })).status).toBe(413);

    const { body } = await presign(cookie, { filename: "liar.png", contentType: "image/png", size: 100 });
    const tooBig = await upload(body.upload, new Uint8Array(6 * 1024 * 1024));
    expect(tooBig.status).toBe(413);
    expect(await workerEnv.BUCKET.head(body.key)).toBeNull();

    const wrongType = await upload(body.upload, png, { "content-type": "text/html" });
    expect(wrongType.status).toBe(403);
    expect(await workerEnv.BUCKET.head(body.key)).toBeNull();
  });

  it("refuses a tampered signed URL, another user's key, and a missing session", async () => {
    const cookie = await signIn("Dave");
    const { body } = await presign(cookie, { filename: "t.png", contentType: "image/png", size: png.length });
    const tampered = { ...body.upload, url: body.upload.url.replace("/avatars/dave/", "/avatars/erin/") };
    expect((await upload(tampered, png)).status).toBe(403);
    // Raising the signed size limit breaks the signature too.
    const raised = { ...body.upload, url: body.upload.url.replace("max-size=5242880", "max-size=9242880") };
    expect(raised.url).not.toBe(body.upload.url);
    expect((await upload(raised, png)).status).toBe(403);
    expect(await workerEnv.BUCKET.head(body.key)).toBeNull();

    const otherUsers = await call("/api/uploads/commit", {
      method: "POST",
      cookie,
      body: JSON.stringify({ key: "avatars/alice/00000000-0000-4000-8000-000000000000-x.png" }),
    });
    expect(otherUsers.status).toBe(403);
    expect((await call("/api/uploads/commit", { method: "POST", body: JSON.stringify({ key: body.key }) })).status).toBe(401);
    expect((await call("/api/me/avatar", { cookie: "sid=dave.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" })).status).toBe(401);
  });
});
