// The large-file routes' boundary (src/large-upload-routes.ts), in Node over
// memory storage: who may create, which key and constraints the server picks,
// and that another user's token is refused.
import { createStorage } from "@stowage/core";
import { createSignedUrlHandler } from "@stowage/http";
import { memoryDriver } from "@stowage/memory";
import { describe, expect, it } from "vitest";
import { largeUploadMaxSize, largeUploadPartSize } from "../src/large-upload-routes.js";
import { createUploadApp } from "../src/upload-app.js";

const origin = "http://app.test";
const secrets = [{ id: "t", secret: "0123456789abcdef0123456789abcdef" }];

function setUp() {
  const storage = createStorage(memoryDriver({ signing: { secrets, baseUrl: `${origin}/__storage` } }));
  const app = createUploadApp({
    storage,
    sessionSecret: new TextEncoder().encode("session-secret-session-secret-32"),
    assets: {},
    storageHandler: createSignedUrlHandler(storage, { secrets, basePath: "/__storage" }),
    uploadSecrets: secrets,
    origin,
  });
  const post = (path: string, body: unknown, cookie?: string, headers: Record<string, string> = {}) =>
    app(
      new Request(`${origin}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}), ...headers },
        body: JSON.stringify(body),
      }),
    );
  const login = async (name: string) => (await post("/api/login", { name })).headers.get("set-cookie")!.split(";")[0]!;
  return { storage, app, post, login };
}

describe("large-file upload routes", () => {
  it("create: signed-in users only; the server picks the key under the user's prefix, the part size and the limit", async () => {
    const { post, login } = setUp();
    const signedOut = await post("/api/uploads/multipart/create", { filename: "a.bin", contentType: "application/octet-stream", size: 10 });
    expect(signedOut.status).toBe(401);
    expect(await signedOut.json()).toMatchObject({ error: { code: "SignedOut" } });

    const alice = await login("Alice");
    const created = await post("/api/uploads/multipart/create", { filename: "../../users/bob/x y.mp4", contentType: "video/mp4", size: 100 * 1024 * 1024 }, alice);
    expect(created.status).toBe(200);
    const body = (await created.json()) as { key: string; partSize: number; partCount: number };
    expect(body.key).toMatch(/^files\/alice\/[0-9a-f-]{36}-[A-Za-z0-9._-]+$/);
    expect(body.key.endsWith("x_y.mp4")).toBe(true);
    expect(body).toMatchObject({ partSize: largeUploadPartSize, partCount: 13 });

    const tooLarge = await post("/api/uploads/multipart/create", { filename: "big.bin", contentType: "", size: largeUploadMaxSize + 1 }, alice);
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ error: { code: "TooLarge" } });
  });

  it("refuses a cross-site create, like the app's other routes", async () => {
    const { post, login } = setUp();
    const alice = await login("Alice");
    const response = await post("/api/uploads/multipart/create", { filename: "a.bin", contentType: "", size: 10 }, alice, { origin: "http://evil.test" });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: "CrossOrigin" } });
  });

  it("sign, list, complete and abort: only the owner of the upload", async () => {
    const { storage, post, login } = setUp();
    const alice = await login("Alice");
    const bob = await login("Bob");
    const { token, key } = (await (await post("/api/uploads/multipart/create", { filename: "a.bin", contentType: "", size: 10 }, alice)).json()) as { token: string; key: string };
    for (const action of ["sign", "list", "complete", "abort"]) {
      const body = action === "sign" ? { token, partNumbers: [1] } : action === "complete" ? { token, parts: [{ partNumber: 1, etag: "x" }] } : { token };
      const refused = await post(`/api/uploads/multipart/${action}`, body, bob);
      expect(refused.status, action).toBe(403);
      expect(await refused.json(), action).toMatchObject({ error: { code: "PermissionDenied" } });
      expect((await post(`/api/uploads/multipart/${action}`, body)).status, `${action} signed out`).toBe(401);
    }
    expect((await storage.uploads.list({ prefix: "files/alice/" })).map((upload) => upload.key)).toEqual([key]);
    expect((await post("/api/uploads/multipart/abort", { token }, alice)).status).toBe(204);
    expect(await storage.uploads.list({ prefix: "files/alice/" })).toEqual([]);
  });

  it("fixes the content type at creation (an unusable type is stored as application/octet-stream)", async () => {
    const { app, storage, post, login } = setUp();
    const alice = await login("Alice");
    for (const [sent, stored] of [
      ["video/mp4", "video/mp4"],
      ["text/html; charset=utf-8", "application/octet-stream"],
    ] as const) {
      const { token, key } = (await (await post("/api/uploads/multipart/create", { filename: "f", contentType: sent, size: 3 }, alice)).json()) as { token: string; key: string };
      const { parts } = (await (await post("/api/uploads/multipart/sign", { token, partNumbers: [1] }, alice)).json()) as { parts: { url: string; headers: Record<string, string> }[] };
      const put = await app(new Request(parts[0]!.url, { method: "PUT", headers: parts[0]!.headers, body: "abc" }));
      expect(put.status).toBe(200);
      const etag = put.headers.get("etag")!;
      const completed = await post("/api/uploads/multipart/complete", { token, parts: [{ partNumber: 1, etag }] }, alice);
      expect(completed.status).toBe(200);
      expect((await storage.head(key))?.contentType).toBe(stored);
    }
  });
});
