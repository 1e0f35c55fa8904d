// createUploadRoutes over memory, through real HTTP (node:http on 127.0.0.1):
// the wire protocol end to end, with the part PUTs served by the signed URL
// handler, and every refusal the routes owe.
import { afterEach, describe, expect, it } from "vitest";
import { StorageError, type Storage } from "@stowage/core";
import { createUploadRoutes, type UploadIntent, type UploadRoutesOptions } from "@stowage/http";
import { serveHandler, type ServedHandler } from "@stowage/http/node";
import { createUploadTokenSealer } from "../src/upload-token.ts";
import { appHandler, digest, errorOf, mebibyte, patterned, post, secrets, signedStorage, uploadThrough, type CreateAnswer, type SignedPart } from "./upload-routes-helpers.ts";

const servers: ServedHandler[] = [];
afterEach(async () => {
  for (const served of servers.splice(0)) await served.close();
});

/** A server whose storage signs part URLs for the server's own origin. */
async function start(options: Partial<UploadRoutesOptions> = {}) {
  let handler: (request: Request) => Promise<Response> = async () => new Response(null, { status: 503 });
  const served = await serveHandler((request) => handler(request));
  servers.push(served);
  const storage = signedStorage(served.url);
  const intents: UploadIntent[] = [];
  const authorize: UploadRoutesOptions["authorize"] =
    options.authorize ??
    ((_request, intent) => {
      intents.push(intent);
      if (intent.action === "create") return { key: `videos/${intent.filename}`, partSize: 5 * mebibyte, metadata: { by: "test" } };
    });
  handler = appHandler(storage, { ...options, authorize });
  return { base: served.url, storage, intents };
}

async function create(base: string, size: number, extra: Record<string, unknown> = {}): Promise<CreateAnswer> {
  const response = await post(base, "create", { filename: "clip.mp4", contentType: "video/mp4", size, ...extra });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as CreateAnswer;
}

/** The token with its sealed session changed (the signature kept). */
function tamper(token: string, change: (session: Record<string, unknown>) => void): string {
  const [payload, rest] = [token.slice(0, token.indexOf(".")), token.slice(token.indexOf("."))];
  const session = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  change(session);
  return Buffer.from(JSON.stringify(session)).toString("base64url") + rest;
}

describe("createUploadRoutes through node:http", () => {
  it("create → sign → PUT parts out of order → list → complete: the object is byte-exact, typed, with the granted metadata", async () => {
    const { base, storage, intents } = await start();
    const bytes = patterned(2 * 5 * mebibyte + 1234);
    const session = await create(base, bytes.byteLength, { lastModified: 1_700_000_000_000 });
    expect(session).toMatchObject({ key: "videos/clip.mp4", partSize: 5 * mebibyte, partCount: 3 });
    expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.now());
    expect(intents[0]).toEqual({ action: "create", filename: "clip.mp4", contentType: "video/mp4", size: bytes.byteLength, lastModified: 1_700_000_000_000 });
    // Nothing visible yet.
    expect(await storage.head("videos/clip.mp4")).toBeNull();

    const signed = await post(base, "sign", { token: session.token, partNumbers: [3, 3, 1, 2] });
    expect(signed.status, await signed.clone().text()).toBe(200);
    const { parts } = (await signed.json()) as { parts: SignedPart[] };
    expect(parts.map((part) => part.partNumber)).toEqual([3, 1, 2]);
    for (const part of parts) {
      expect(part.method).toBe("PUT");
      expect(part.url.startsWith(`${base}/__storage/videos/clip.mp4?`)).toBe(true);
      expect(Date.parse(part.expiresAt)).toBeGreaterThan(Date.now());
    }
    expect(intents[1]).toMatchObject({ action: "sign", key: "videos/clip.mp4" });
    const uploadId = (intents[1] as { uploadId: string }).uploadId;
    expect(uploadId).toEqual(expect.any(String));

    const etags = new Map<number, string>();
    for (const part of parts) {
      const start = (part.partNumber - 1) * session.partSize;
      const put = await fetch(part.url, { method: part.method, headers: part.headers, body: bytes.slice(start, start + session.partSize) });
      expect(put.status, await put.clone().text()).toBe(200);
      etags.set(part.partNumber, put.headers.get("etag")!);
    }
    // A part URL is signed with its exact length: more bytes are refused.
    const oversized = await fetch(parts[1]!.url, { method: "PUT", headers: parts[1]!.headers, body: new Uint8Array(5 * mebibyte + 1) });
    expect(oversized.status).toBe(413);

    const listed = await post(base, "list", { token: session.token });
    expect(listed.status).toBe(200);
    const held = ((await listed.json()) as { parts: { partNumber: number; size: number; etag: string }[] }).parts;
    expect(held.map(({ partNumber, size }) => [partNumber, size]).sort((a, b) => a[0]! - b[0]!)).toEqual([[1, 5 * mebibyte], [2, 5 * mebibyte], [3, 1234]]);
    expect(held.every((part) => `"${part.etag}"` === etags.get(part.partNumber))).toBe(true);

    const completed = await post(base, "complete", { token: session.token, parts: [1, 2, 3].map((partNumber) => ({ partNumber, etag: etags.get(partNumber)! })) });
    expect(completed.status, await completed.clone().text()).toBe(200);
    const { object } = (await completed.json()) as { object: { key: string; size: number; etag: string; contentType: string; lastModified: string } };
    const stored = await storage.get("videos/clip.mp4");
    expect(digest(await stored!.bytes())).toBe(digest(bytes));
    expect(stored!.contentType).toBe("video/mp4");
    expect(stored!.metadata).toEqual({ by: "test" });
    expect(object).toEqual({ key: "videos/clip.mp4", size: bytes.byteLength, etag: stored!.etag, contentType: "video/mp4", lastModified: stored!.lastModified.toISOString() });
    expect(intents.map((intent) => intent.action)).toEqual(["create", "sign", "list", "complete"]);
    expect(intents.slice(1).every((intent) => "uploadId" in intent && intent.uploadId === uploadId && intent.key === "videos/clip.mp4")).toBe(true);
  });

  it("the content type is authorize's when it gives one, else the client's, fixed at creation", async () => {
    const { base, storage } = await start({ authorize: (_request, intent) => (intent.action === "create" ? { key: "doc.bin", contentType: "application/pdf" } : undefined) });
    const session = await create(base, 3, { contentType: "text/html" });
    const [part] = ((await (await post(base, "sign", { token: session.token, partNumbers: [1] })).json()) as { parts: SignedPart[] }).parts;
    const put = await fetch(part!.url, { method: "PUT", headers: { ...part!.headers, "content-type": "text/html" }, body: "abc" });
    expect(put.status).toBe(200);
    const done = await post(base, "complete", { token: session.token, parts: [{ partNumber: 1, etag: put.headers.get("etag")! }] });
    expect(done.status).toBe(200);
    expect((await storage.head("doc.bin"))!.contentType).toBe("application/pdf");
  });

  it("a tampered, foreign or malformed token is 403 InvalidSignature; a rotated-out secret still opens, an unknown one does not", async () => {
    const { base, storage } = await start();
    const session = await create(base, 10);
    const changedKey = tamper(session.token, (sealed) => (sealed.key = "videos/other.mp4"));
    const changedSize = tamper(session.token, (sealed) => (sealed.size = 10 * mebibyte));
    for (const token of [changedKey, changedSize, `${session.token}x`, session.token.replace(/\.r1$/, ".r2"), "garbage", session.token.split(".").slice(1).join(".")]) {
      for (const action of ["sign", "list", "complete", "abort"]) {
        const body = { token, partNumbers: [1], parts: [{ partNumber: 1, etag: '"e"' }] };
        const refused = await errorOf(await post(base, action, body));
        expect([action, refused.status, refused.code]).toEqual([action, 403, "InvalidSignature"]);
      }
    }
    expect((await storage.uploads.list()).length).toBe(1);

    // Another server with other secrets: its tokens are foreign here.
    const other = await start();
    const foreignRoutes = createUploadRoutes(other.storage, { secrets: [{ id: "r1", secret: "another-secret-entirely-0123456789abcdef" }], basePath: "/api/uploads", authorize: () => ({ key: "x" }) });
    const foreign = (await (await post("http://x.test", "create", { filename: "a", contentType: "", size: 1 }, foreignRoutes)).json()) as CreateAnswer;
    expect(await errorOf(await post(other.base, "list", { token: foreign.token }))).toMatchObject({ status: 403, code: "InvalidSignature" });

    // Rotation: routes with [new, old] open a token the old secret sealed, and seal with the new one.
    const rotated = createUploadRoutes(storage, { secrets: [{ id: "r2", secret: "the-next-upload-routes-secret-0123456789" }, ...secrets], basePath: "/api/uploads", authorize: (_r, intent) => (intent.action === "create" ? { key: "rotated.bin" } : undefined) });
    const local = rotated;
    expect((await post("http://x.test", "list", { token: session.token }, local)).status).toBe(200);
    const fresh = (await (await post("http://x.test", "create", { filename: "a", contentType: "", size: 1 }, local)).json()) as CreateAnswer;
    expect(fresh.token.endsWith(".r2")).toBe(true);
    expect(await errorOf(await post(base, "list", { token: fresh.token }))).toMatchObject({ status: 403, code: "InvalidSignature" });
  });

  it("a session past its expiresAt is 403 Expired for sign, list and complete; abort still ends it", async () => {
    let now = Date.now();
    const { base, storage } = await start({ clock: () => now });
    const session = await create(base, 10);
    now = Date.parse(session.expiresAt) + 1;
    for (const action of ["sign", "list", "complete"]) {
      const refused = await errorOf(await post(base, action, { token: session.token, partNumbers: [1], parts: [{ partNumber: 1, etag: '"e"' }] }));
      expect([action, refused.status, refused.code]).toEqual([action, 403, "Expired"]);
    }
    expect((await post(base, "abort", { token: session.token })).status).toBe(204);
    expect(await storage.uploads.list()).toEqual([]);
  });

  it("authorize refuses a create by throwing, returning false or a Response; nothing is created", async () => {
    let refusal: () => unknown = () => {
      throw new StorageError("PermissionDenied", "sign in first");
    };
    const { base, storage } = await start({ authorize: () => refusal() as never });
    expect(await errorOf(await post(base, "create", { filename: "a", contentType: "", size: 1 }))).toEqual({ status: 403, code: "PermissionDenied", message: "sign in first" });
    refusal = () => false;
    expect(await errorOf(await post(base, "create", { filename: "a", contentType: "", size: 1 }))).toMatchObject({ status: 403, code: "PermissionDenied" });
    refusal = () => new Response("log in", { status: 401, headers: { "www-authenticate": "Bearer" } });
    const custom = await post(base, "create", { filename: "a", contentType: "", size: 1 });
    expect([custom.status, custom.headers.get("www-authenticate"), await custom.text()]).toEqual([401, "Bearer", "log in"]);
    refusal = () => ({ key: "a", maxSize: 10, unknownField: 1 });
    expect(await errorOf(await post(base, "create", { filename: "a", contentType: "", size: 1 }))).toMatchObject({ status: 500 });
    expect(await storage.uploads.list()).toEqual([]);
  });

  it("an action on an upload the caller does not own is refused by authorize, and the upload is left alone", async () => {
    const { base, storage } = await start({
      authorize: (request, intent) => {
        const user = request.headers.get("x-user")!;
        if (intent.action === "create") return { key: `users/${user}/${intent.filename}` };
        if (!intent.key.startsWith(`users/${user}/`)) throw new StorageError("PermissionDenied", "not your upload");
      },
    });
    const created = await post(base, "create", { filename: "a.bin", contentType: "", size: 3 }, undefined, { "x-user": "ann" });
    const { token } = (await created.json()) as CreateAnswer;
    for (const action of ["sign", "list", "complete", "abort"]) {
      const refused = await errorOf(await post(base, action, { token, partNumbers: [1], parts: [{ partNumber: 1, etag: '"e"' }] }, undefined, { "x-user": "bob" }));
      expect([action, refused.status, refused.code]).toEqual([action, 403, "PermissionDenied"]);
    }
    expect((await storage.uploads.list()).map((upload) => upload.key)).toEqual(["users/ann/a.bin"]);
    expect((await post(base, "list", { token }, undefined, { "x-user": "ann" })).status).toBe(200);
  });

  it("a size over maxSize is 413 TooLarge at create and nothing is created", async () => {
    const { base, storage } = await start({ authorize: () => ({ key: "small.bin", maxSize: 5 * mebibyte }) });
    expect(await errorOf(await post(base, "create", { filename: "a", contentType: "", size: 5 * mebibyte + 1 }))).toMatchObject({ status: 413, code: "TooLarge" });
    expect(await storage.uploads.list()).toEqual([]);
    expect(await storage.head("small.bin")).toBeNull();
  });

  it("a completion over maxSize is 413 TooLarge: the upload is aborted and nothing is visible", async () => {
    const { base, storage } = await start();
    // A session with maxSize and no exact size (which create never makes from a client), sealed as the routes seal.
    const session = await storage.uploads.create("big.bin", { maxSize: 5 * mebibyte + 2, partSize: 5 * mebibyte });
    const token = await createUploadTokenSealer(secrets).seal(session);
    const parts = ((await (await post(base, "sign", { token, partNumbers: [1, 2] })).json()) as { parts: SignedPart[] }).parts;
    const etags: string[] = [];
    for (const [index, part] of parts.entries()) {
      const put = await fetch(part.url, { method: "PUT", headers: part.headers, body: new Uint8Array(index === 0 ? 5 * mebibyte : 3) });
      expect(put.status).toBe(200);
      etags.push(put.headers.get("etag")!);
    }
    const refused = await errorOf(await post(base, "complete", { token, parts: etags.map((etag, index) => ({ partNumber: index + 1, etag })) }));
    expect(refused).toMatchObject({ status: 413, code: "TooLarge" });
    expect(await storage.head("big.bin")).toBeNull();
    expect(await storage.uploads.list()).toEqual([]);
  });

  it("complete passes the client's parts to core: a missing part or a stale etag is 400 and the upload stays open", async () => {
    const { base, storage } = await start();
    const session = await create(base, 5 * mebibyte + 1);
    const parts = ((await (await post(base, "sign", { token: session.token, partNumbers: [1, 2] })).json()) as { parts: SignedPart[] }).parts;
    const etags: string[] = [];
    for (const part of parts) {
      const put = await fetch(part.url, { method: "PUT", headers: part.headers, body: new Uint8Array(part.partNumber === 1 ? 5 * mebibyte : 1) });
      etags.push(put.headers.get("etag")!);
    }
    const missing = await errorOf(await post(base, "complete", { token: session.token, parts: [{ partNumber: 1, etag: etags[0] }] }));
    expect(missing).toMatchObject({ status: 400, code: "InvalidArgument", message: expect.stringMatching(/missing/) });
    const stale = await errorOf(await post(base, "complete", { token: session.token, parts: [{ partNumber: 1, etag: etags[0] }, { partNumber: 2, etag: '"0123abcd"' }] }));
    expect(stale).toMatchObject({ status: 400, code: "InvalidArgument", message: expect.stringMatching(/etag/) });
    expect(await storage.head("videos/clip.mp4")).toBeNull();
    expect((await storage.uploads.list()).length).toBe(1);
  });

  it("abort answers 204 and leaves no upload; the token then finds nothing", async () => {
    const { base, storage } = await start();
    const session = await create(base, 10);
    expect((await storage.uploads.list()).length).toBe(1);
    const aborted = await post(base, "abort", { token: session.token });
    expect([aborted.status, await aborted.text()]).toEqual([204, ""]);
    expect(await storage.uploads.list()).toEqual([]);
    expect(await errorOf(await post(base, "list", { token: session.token }))).toMatchObject({ status: 404, code: "NotFound" });
    expect(await storage.head("videos/clip.mp4")).toBeNull();
  });

  it("bad bodies are 400 InvalidArgument saying how to fix them; unknown paths 404; other methods 405", async () => {
    const { base } = await start();
    const session = await create(base, 10);
    const cases: [string, unknown, RegExp][] = [
      ["create", { filename: "a", contentType: "" }, /size must be a whole number/],
      ["create", { filename: "a", contentType: "", size: -1 }, /size must be a whole number of at least 0/],
      ["create", { contentType: "", size: 1 }, /filename must be a string/],
      ["create", [1], /JSON object/],
      ["sign", { token: session.token, partNumbers: [] }, /1 to 100 part numbers/],
      ["sign", { token: session.token, partNumbers: Array.from({ length: 101 }, (_, index) => index + 1) }, /1 to 100 part numbers/],
      ["sign", { token: session.token, partNumbers: [0] }, /numbered from 1/],
      ["sign", { token: session.token, partNumbers: [2] }, /part numbers run from 1 to 1/],
      ["complete", { token: session.token }, /parts must be an array/],
      ["complete", { token: session.token, parts: [{ partNumber: 1 }] }, /needs its etag/],
      ["list", {}, /token must be a string/],
    ];
    for (const [action, body, message] of cases) {
      const refused = await errorOf(await post(base, action, body));
      expect([action, refused.status, refused.code]).toEqual([action, 400, "InvalidArgument"]);
      expect(refused.message).toMatch(message);
    }
    const notJson = await fetch(`${base}/api/uploads/create`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(await errorOf(notJson)).toMatchObject({ status: 400, code: "InvalidArgument", message: expect.stringMatching(/not valid JSON/) });
    const form = await fetch(`${base}/api/uploads/create`, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    expect(await errorOf(form)).toMatchObject({ status: 400, message: expect.stringMatching(/Content-Type: application\/json/) });
    const huge = await fetch(`${base}/api/uploads/create`, { method: "POST", headers: { "content-type": "application/json" }, body: `"${"a".repeat(1024 * 1024)}"` });
    expect(await errorOf(huge)).toMatchObject({ status: 413, code: "TooLarge" });
    // Without a Content-Length (chunked), the limit is counted while reading.
    const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.byteLength;
        if (sent > 4 * 1024 * 1024) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const streamed = await fetch(`${base}/api/uploads/create`, { method: "POST", headers: { "content-type": "application/json" }, body: endless, duplex: "half" } as RequestInit);
    expect(await errorOf(streamed)).toMatchObject({ status: 413, code: "TooLarge" });
    expect((await post(base, "finish", { token: session.token })).status).toBe(404);
    expect((await fetch(`${base}/api/uploads`, { method: "POST" })).status).toBe(404);
    const get = await fetch(`${base}/api/uploads/create`);
    expect([get.status, get.headers.get("allow")]).toEqual([405, "POST"]);
  });
});

describe("createUploadRoutes options", () => {
  it("refuses a missing authorize, unknown options and weak secrets at construction", () => {
    const storage = signedStorage("http://x.test") as Storage;
    expect(() => createUploadRoutes(storage, { secrets } as never)).toThrow(/authorize must be a function/);
    expect(() => createUploadRoutes(storage, { secrets, authorize: () => undefined, secret: "x" } as never)).toThrow(/secret/);
    expect(() => createUploadRoutes(storage, { secrets: [{ id: "a", secret: "short" }], authorize: () => undefined })).toThrow(/at least 32/);
    expect(() => createUploadRoutes({} as Storage, { secrets, authorize: () => undefined })).toThrow(TypeError);
  });
});

it("uploadThrough (the frameworks tests' client) completes over node:http", async () => {
  const { base, storage } = await start();
  const bytes = patterned(5 * mebibyte + 7);
  const { completed } = await uploadThrough(base, bytes);
  expect(completed.status).toBe(200);
  expect(digest(await (await storage.get("videos/clip.mp4"))!.bytes())).toBe(digest(bytes));
});
