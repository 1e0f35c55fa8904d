// The large-file mode through the Worker's fetch handler, inside workerd:
// the app's multipart routes (@stowage/http's createUploadRoutes at
// /api/uploads/multipart) over the gateway-mode r2 driver, whose part URLs
// point back at the Worker's /__storage, where createSignedUrlHandler stores
// each part through the binding.
import { env } from "cloudflare:workers";
import { r2Driver } from "@stowage/r2";
import { describe, expect, it } from "vitest";
import worker, { type Env } from "../src/worker.ts";

const workerEnv = env as unknown as Env;
const origin = "https://uploads.example.com";
const base = "/api/uploads/multipart";
const MiB = 1024 * 1024;

interface SignedPart {
  partNumber: number;
  url: string;
  method: string;
  headers: Record<string, string>;
}

async function call(path: string, init: RequestInit & { cookie?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("cookie", init.cookie);
  if (init.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  const url = path.startsWith("http") ? path : `${origin}${path}`;
  return worker.fetch(new Request(url, { ...init, headers }), workerEnv);
}

async function signIn(name: string): Promise<string> {
  const response = await call("/api/login", { method: "POST", body: JSON.stringify({ name }) });
  expect(response.status).toBe(200);
  return response.headers.get("set-cookie")!.split(";")[0]!;
}

/** A multipart route: POST {base}/{action} with a JSON body; the status and the parsed answer. */
async function route<T = Record<string, unknown>>(cookie: string, action: string, body: unknown): Promise<{ status: number; body: T }> {
  const response = await call(`${base}/${action}`, { method: "POST", cookie, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: (text === "" ? undefined : JSON.parse(text)) as T };
}

function patterned(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index++) bytes[index] = (index * 131 + seed * 7 + (index >>> 13)) & 0xff;
  return bytes;
}

async function sha256(bytes: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** PUTs one part as a browser does (its Content-Length) to the Worker itself. */
async function putPart(part: SignedPart, body: Uint8Array<ArrayBuffer>): Promise<Response> {
  const request = new Request(part.url, { method: part.method, headers: { ...part.headers, "content-length": String(body.byteLength) }, body });
  return worker.fetch(request, workerEnv);
}

interface Created {
  token: string;
  key: string;
  partSize: number;
  partCount: number;
  expiresAt: string;
  error?: { code: string };
}

/** The uploads in progress the driver knows of under `key` (its registry). */
async function uploadsOf(key: string) {
  return r2Driver({ bucket: workerEnv.BUCKET }).listUploads({ prefix: key });
}

describe("worker-r2: multipart uploads through the Worker (large-file mode, gateway part URLs)", () => {
  it("create → sign → PUT parts out of order to /__storage → list → complete; the stored object is the bytes", async () => {
    const cookie = await signIn("Mona");
    // Two 8 MiB parts and a short last one (R2: all parts equal but the last).
    const size = 2 * 8 * MiB + 1234;
    const file = patterned(size, 1);
    const created = await route<Created>(cookie, "create", { filename: "film.mp4", contentType: "video/mp4", size });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const session = created.body;
    expect(session).toMatchObject({ partSize: 8 * MiB, partCount: 3 });
    expect(session.key).toMatch(/^files\/mona\/[0-9a-f-]{36}-film\.mp4$/);
    expect(typeof session.token).toBe("string");
    // Nothing at the key until complete; the upload is in progress.
    expect(await workerEnv.BUCKET.head(session.key)).toBeNull();
    expect(await uploadsOf(session.key)).toHaveLength(1);

    const signed = await route<{ parts: SignedPart[] }>(cookie, "sign", { token: session.token, partNumbers: [3, 1, 2] });
    expect(signed.status, JSON.stringify(signed.body)).toBe(200);
    const parts = new Map(signed.body.parts.map((part) => [part.partNumber, part]));
    expect([...parts.keys()].sort()).toEqual([1, 2, 3]);
    for (const part of parts.values()) {
      expect(part.method).toBe("PUT");
      // Gateway mode: back to the Worker itself, with the part's exact size signed.
      expect(part.url.startsWith(`${origin}/__storage/files/mona/`)).toBe(true);
      const query = new URL(part.url).searchParams;
      expect(query.get("part")).toBe(String(part.partNumber));
      expect(query.get("size")).toBe(String(part.partNumber === 3 ? 1234 : 8 * MiB));
    }
    const slice = (partNumber: number) => file.slice((partNumber - 1) * 8 * MiB, Math.min(size, partNumber * 8 * MiB));

    const etags = new Map<number, string>();
    for (const partNumber of [3, 1, 2]) {
      const answer = await putPart(parts.get(partNumber)!, slice(partNumber));
      expect(answer.status, await answer.clone().text()).toBe(200);
      const etag = answer.headers.get("etag");
      expect(etag).toBeTruthy();
      expect(await answer.json()).toMatchObject({ partNumber, size: slice(partNumber).byteLength });
      etags.set(partNumber, etag!.replace(/^"|"$/g, ""));
      // Still nothing visible at the key.
      expect(await workerEnv.BUCKET.head(session.key)).toBeNull();
    }

    const listed = await route<{ parts: { partNumber: number; size: number; etag: string }[] }>(cookie, "list", { token: session.token });
    expect(listed.status).toBe(200);
    expect(listed.body.parts).toEqual([1, 2, 3].map((partNumber) => ({ partNumber, size: slice(partNumber).byteLength, etag: etags.get(partNumber) })));

    const completed = await route<{ object: { key: string; size: number; etag: string; contentType: string; lastModified: string } }>(cookie, "complete", {
      token: session.token,
      parts: [2, 3, 1].map((partNumber) => ({ partNumber, etag: etags.get(partNumber)! })),
    });
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    expect(completed.body.object).toMatchObject({ key: session.key, size, contentType: "video/mp4" });

    const stored = await workerEnv.BUCKET.get(session.key);
    expect(stored?.size).toBe(size);
    expect(stored?.httpMetadata?.contentType).toBe("video/mp4");
    expect(stored?.customMetadata).toMatchObject({ uploader: "mona" });
    expect(await sha256(await stored!.arrayBuffer())).toBe(await sha256(file));
    // The session is gone: no upload in progress, and the token no longer lists parts.
    expect(await uploadsOf(session.key)).toEqual([]);
    expect((await route(cookie, "list", { token: session.token })).status).toBe(404);
  });

  it("refuses a tampered token (403) and a tampered part URL (403), storing nothing", async () => {
    const cookie = await signIn("Nils");
    const size = 5 * MiB + 10;
    const session = (await route<Created>(cookie, "create", { filename: "a.bin", contentType: "application/octet-stream", size })).body;
    expect(session.partCount).toBe(1);
    // One character of the sealed session changed.
    const at = Math.floor(session.token.length / 2);
    const flipped = session.token.slice(0, at) + (session.token[at] === "A" ? "B" : "A") + session.token.slice(at + 1);
    for (const action of ["sign", "list", "complete", "abort"]) {
      const answer = await route<{ error: { code: string } }>(cookie, action, { token: flipped, partNumbers: [1], parts: [] });
      expect(answer.status, `${action}: ${JSON.stringify(answer.body)}`).toBe(403);
    }
    const signed = (await route<{ parts: SignedPart[] }>(cookie, "sign", { token: session.token, partNumbers: [1] })).body.parts[0]!;
    // A part URL whose size (or part number) was changed: refused before a byte is stored.
    const raised = { ...signed, url: signed.url.replace(`size=${size}`, `size=${size + 1}`) };
    expect(raised.url).not.toBe(signed.url);
    expect((await putPart(raised, patterned(size + 1, 2))).status).toBe(403);
    const renumbered = { ...signed, url: signed.url.replace("part=1", "part=2") };
    expect((await putPart(renumbered, patterned(size, 2))).status).toBe(403);
    expect((await route<{ parts: unknown[] }>(cookie, "list", { token: session.token })).body.parts).toEqual([]);
    // Another user cannot act on the session with a valid token.
    const other = await signIn("Olga");
    expect((await route(other, "list", { token: session.token })).status).toBe(403);
    expect((await route(cookie, "abort", { token: session.token })).status).toBe(204);
  });

  it("cancel (abort) leaves no session and no object; the session's part URLs stop working", async () => {
    const cookie = await signIn("Paul");
    const size = 8 * MiB + 100;
    const session = (await route<Created>(cookie, "create", { filename: "gone.bin", contentType: "application/octet-stream", size })).body;
    const signed = (await route<{ parts: SignedPart[] }>(cookie, "sign", { token: session.token, partNumbers: [1, 2] })).body.parts;
    expect((await putPart(signed[0]!, patterned(8 * MiB, 3))).status).toBe(200);
    expect(await uploadsOf(session.key)).toHaveLength(1);

    const aborted = await call(`${base}/abort`, { method: "POST", cookie, body: JSON.stringify({ token: session.token }) });
    expect(aborted.status).toBe(204);
    expect(await uploadsOf(session.key)).toEqual([]);
    expect(await workerEnv.BUCKET.head(session.key)).toBeNull();
    // Nothing of it left in the bucket under the user's prefix, and the registry holds none of its records.
    expect((await workerEnv.BUCKET.list({ prefix: "files/paul/" })).objects).toEqual([]);
    // The remaining part URL is refused, and so are list and complete.
    const late = await putPart(signed[1]!, patterned(100, 4));
    expect(late.status).toBe(404);
    expect((await route(cookie, "list", { token: session.token })).status).toBe(404);
    expect((await route(cookie, "complete", { token: session.token, parts: [] })).status).toBeGreaterThanOrEqual(400);
    expect(await workerEnv.BUCKET.head(session.key)).toBeNull();
  });

  it("refuses the routes without a session, and from another site", async () => {
    expect((await call(`${base}/create`, { method: "POST", body: JSON.stringify({ filename: "x", contentType: "", size: 1 }) })).status).toBe(401);
    const cookie = await signIn("Quinn");
    const crossSite = await call(`${base}/create`, {
      method: "POST",
      cookie,
      headers: { origin: "https://evil.example" },
      body: JSON.stringify({ filename: "x", contentType: "", size: 1 }),
    });
    expect(crossSite.status).toBe(403);
  });
});
