import { describe, expect, it } from "vitest";
import { createStorage, type Storage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { createSignedUrlHandler, memoryNonceStore, storageNonceStore, type SignedUrlHandlerOptions } from "@stowage/http";

const oldSecret = { id: "2025", secret: "old-secret-0123456789abcdef0123456789" };
const newSecret = { id: "2026", secret: "new-secret-0123456789abcdef0123456789" };
const baseUrl = "https://files.example.com/__storage";

function setup(signerSecrets = [newSecret], handlerOptions: Partial<SignedUrlHandlerOptions> = {}) {
  const driver = memoryDriver({ signing: { secrets: signerSecrets, baseUrl } });
  const storage = createStorage(driver);
  const handler = createSignedUrlHandler(storage, { secrets: [newSecret, oldSecret], basePath: "/__storage", ...handlerOptions });
  return { storage, handler };
}

async function errorOf(response: Response): Promise<{ status: number; code: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(typeof body.error.message).toBe("string");
  return { status: response.status, code: body.error.code };
}

describe("createSignedUrlHandler", () => {
  it("verifies URLs signed with an older secret during rotation, and refuses them once it is dropped", async () => {
    const { storage, handler } = setup([oldSecret]);
    await storage.put("a.txt", "hello");
    const signed = await storage.signGet("a.txt");
    expect(new URL(signed.url).searchParams.get("kid")).toBe("2025");
    expect((await handler(new Request(signed.url))).status).toBe(200);
    const rotated = createSignedUrlHandler(storage, { secrets: [newSecret], basePath: "/__storage" });
    expect(await errorOf(await rotated(new Request(signed.url)))).toEqual({ status: 403, code: "InvalidSignature" });
  });

  it("signs with the newest secret", async () => {
    const { storage } = setup([newSecret, oldSecret]);
    const signed = await storage.signPut("a.txt");
    expect(new URL(signed.url).searchParams.get("kid")).toBe("2026");
  });

  it("rejects short secrets and unknown or repeated query parameters", async () => {
    expect(() => memoryDriver({ signing: { secrets: [{ id: "x", secret: "short" }], baseUrl } })).toThrow(/at least 32/);
    const { storage, handler } = setup();
    await storage.put("a.txt", "hello");
    const signed = await storage.signGet("a.txt");
    expect((await handler(new Request(`${signed.url}&extra=1`))).status).toBe(403);
    const sig = new URL(signed.url).searchParams.get("sig")!;
    expect((await handler(new Request(`${signed.url}&sig=${sig}`))).status).toBe(403);
  });

  it("answers JSON errors: 404 outside the base path, 405 for other methods, 400 for a bad path", async () => {
    const { storage, handler } = setup();
    expect(await errorOf(await handler(new Request("https://files.example.com/elsewhere/a")))).toEqual({ status: 404, code: "NotFound" });
    const signed = await storage.signGet("a.txt");
    const deleted = await handler(new Request(signed.url, { method: "DELETE" }));
    expect(deleted.headers.get("allow")).toContain("PUT");
    expect(await errorOf(deleted)).toEqual({ status: 405, code: "MethodNotAllowed" });
    expect((await errorOf(await handler(new Request(`${baseUrl}/%E0%A4%A`)))).status).toBe(400);
  });

  it("round-trips keys with special characters through the URL path", async () => {
    const { storage, handler } = setup();
    const names = ["a b", "+ % # ? & = ~ * ' \" \\ < > |", "%2F", "emoji-😀", "combining-e\u0301", "cjk-漢字", "dir/sub/file.txt", "a..b"];
    for (const name of names) {
      const upload = await storage.signPut(name);
      expect((await handler(new Request(upload.url, { method: "PUT", body: `body of ${name}` }))).status).toBe(200);
      const download = await storage.signGet(name);
      const response = await handler(new Request(download.url));
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(`body of ${name}`);
    }
    expect((await storage.list()).objects.map((object) => object.key).sort()).toEqual([...names].sort());
  });

  it("refuses a declared Content-Length over maxSize without reading the body", async () => {
    const { storage, handler } = setup();
    const signed = await storage.signPut("big.bin", { maxSize: 10 });
    let pulled = false;
    const body = new ReadableStream<Uint8Array>({
      pull() {
        pulled = true;
        throw new Error("the body must not be read");
      },
    }, { highWaterMark: 0 });
    const request = new Request(signed.url, { method: "PUT", body, headers: { "content-length": "11" }, duplex: "half" } as RequestInit);
    expect(await errorOf(await handler(request))).toEqual({ status: 413, code: "TooLarge" });
    expect(pulled).toBe(false);
    expect(await storage.head("big.bin")).toBeNull();
  });

  it("serves HEAD with the object's headers and no body", async () => {
    const { storage, handler } = setup();
    const info = await storage.put("a.txt", "hello", { contentType: "text/plain" });
    const signed = await storage.signGet("a.txt", { responseContentType: "text/markdown" });
    const response = await handler(new Request(signed.url, { method: "HEAD" }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("5");
    expect(response.headers.get("content-type")).toBe("text/markdown");
    expect(response.headers.get("etag")).toBe(`"${info.etag}"`);
    expect(response.body).toBeNull();
  });

  it("answers CORS preflights for configured origins only, exposing ETag", async () => {
    const { storage, handler } = setup([newSecret], { cors: { origins: ["https://app.example.com"] } });
    const signed = await storage.signPut("a.png", { contentType: "image/png" });
    const preflight = (origin: string) =>
      handler(
        new Request(signed.url, {
          method: "OPTIONS",
          headers: { origin, "access-control-request-method": "PUT", "access-control-request-headers": "content-type" },
        }),
      );
    const allowed = await preflight("https://app.example.com");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(allowed.headers.get("access-control-allow-methods")).toContain("PUT");
    expect(allowed.headers.get("access-control-allow-headers")).toBe("content-type, range, if-match, if-none-match");
    expect(allowed.headers.get("access-control-expose-headers")).toContain("ETag");
    const refused = await preflight("https://evil.example.com");
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();

    const upload = await handler(
      new Request(signed.url, { method: "PUT", body: "x", headers: { "content-type": "image/png", origin: "https://app.example.com" } }),
    );
    expect(upload.status).toBe(200);
    expect(upload.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(upload.headers.get("access-control-expose-headers")).toContain("ETag");
    expect(upload.headers.get("etag")).toMatch(/^".+"$/);
  });
});

describe("nonce stores", () => {
  it("storageNonceStore refuses a replay across handlers sharing one storage (as separate processes would)", async () => {
    const nonces: Storage = createStorage(memoryDriver());
    const { storage } = setup();
    const first = createSignedUrlHandler(storage, { secrets: [newSecret], basePath: "/__storage", nonceStore: storageNonceStore(nonces) });
    const second = createSignedUrlHandler(storage, { secrets: [newSecret], basePath: "/__storage", nonceStore: storageNonceStore(nonces) });
    const signed = await storage.signPut("once.txt", { oneTime: true });
    expect((await first(new Request(signed.url, { method: "PUT", body: "first" }))).status).toBe(200);
    expect(await errorOf(await second(new Request(signed.url, { method: "PUT", body: "second" })))).toEqual({
      status: 403,
      code: "AlreadyUsed",
    });
    expect(await (await storage.get("once.txt"))!.text()).toBe("first");
  });

  it("storageNonceStore is atomic and purges expired markers", async () => {
    let now = 1_000_000;
    const nonces = createStorage(memoryDriver());
    const store = storageNonceStore(nonces, { clock: () => now });
    const results = await Promise.all(Array.from({ length: 10 }, () => store.consume("n1", new Date(now + 1000))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.consume("n2", new Date(now + 5000))).toBe(true);
    now += 2000;
    expect(await store.purgeExpired()).toBe(1);
    expect((await nonces.list()).objects).toHaveLength(1);
  });

  it("memoryNonceStore forgets expired nonces as it grows", async () => {
    let now = 0;
    const store = memoryNonceStore({ clock: () => now });
    for (let index = 0; index < 1023; index++) await store.consume(`n${index}`, new Date(10));
    expect(await store.consume("n0", new Date(10))).toBe(false);
    now = 100;
    await store.consume("late", new Date(1000));
    expect(store.size).toBe(1);
  });
});
