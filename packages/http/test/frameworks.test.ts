// The framework recipes in README.md, run as written: Express mounted under a
// path (with and without a global JSON parser), Hono on @hono/node-server, and
// a Next.js app-router route handler built and served by `next build` and
// `next start`. Real servers, real HTTP requests, and the stored bytes checked.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import type { Server } from "node:http";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import express from "express";
import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createStorage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { createSignedUrlHandler } from "@stowage/http";
import { toNodeListener } from "@stowage/http/node";

const secrets = [{ id: "1", secret: "frameworks-test-secret-0123456789abcdef" }];
// Signed URLs name this origin; each test sends them to its own server.
const appOrigin = "http://app.test";

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  }
});

function listen(app: (request: never, response: never) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const server = (app as unknown as { listen: (port: number, host: string, done: () => void) => Server }).listen(0, "127.0.0.1", () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
    server.once("error", reject);
    servers.push(server);
  });
}

function signedStorage() {
  return createStorage(memoryDriver({ signing: { secrets, baseUrl: `${appOrigin}/__storage` } }));
}

/** A signed URL sent to the server under test instead of the signer's origin. */
function at(server: string, signedUrl: string): string {
  return signedUrl.replace(appOrigin, server);
}

/** fetch that fails the test instead of hanging when the server never answers. */
function request(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
}

/** The SHA-256 of the bytes stored under `key` ("missing" if none): compared as text, a 1 MiB element-wise diff is slow. */
async function storedDigest(storage: ReturnType<typeof signedStorage>, key: string): Promise<string> {
  const object = await storage.get(key);
  return object === null ? "missing" : digest(await object.bytes());
}

function digest(bytes: Uint8Array | ArrayBuffer): string {
  return createHash("sha256").update(new Uint8Array(bytes)).digest("hex");
}

const jsonFile = new TextEncoder().encode(JSON.stringify({ title: "report", rows: Array.from({ length: 2000 }, (_, i) => i) }));

describe("Express", () => {
  it("mounted under a path: signed PUT, GET and HEAD reach the handler (the listener reads req.originalUrl)", async () => {
    const storage = signedStorage();
    const handler = createSignedUrlHandler(storage, { secrets, basePath: "/__storage" });
    const app = express();
    app.use("/__storage", toNodeListener(handler));
    const server = await listen(app);

    const body = randomBytes(300 * 1024);
    const upload = await storage.signPut("photos/a b.png", { contentType: "image/png", size: body.byteLength });
    const put = await request(at(server, upload.url), { method: "PUT", headers: upload.headers, body });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(await storedDigest(storage, "photos/a b.png")).toBe(digest(body));

    const download = await storage.signGet("photos/a b.png");
    const get = await request(at(server, download.url));
    expect(get.status).toBe(200);
    expect(digest(await get.arrayBuffer())).toBe(digest(body));
    const head = await request(at(server, download.url), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(body.byteLength));
  });

  it("with express.json() mounted first: a JSON upload is refused at once with BodyAlreadyRead, never hangs, stores nothing", async () => {
    const storage = signedStorage();
    const handler = createSignedUrlHandler(storage, { secrets, basePath: "/__storage" });
    const app = express();
    app.use(express.json({ limit: "1mb" })); // the trap: a global parser before the storage route
    app.use("/__storage", toNodeListener(handler));
    const server = await listen(app);

    const upload = await storage.signPut("data/report.json", { contentType: "application/json", oneTime: true });
    const started = Date.now();
    const put = await request(at(server, upload.url), { method: "PUT", headers: upload.headers, body: jsonFile });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(put.status).toBe(500);
    const answer = (await put.json()) as { error: { code: string; message: string } };
    expect(answer.error.code).toBe("BodyAlreadyRead");
    expect(answer.error.message).toMatch(/before any body parser/);
    expect(answer.error.message).toMatch(/express\.json\(\)/);
    expect(await storage.head("data/report.json")).toBeNull();

    // The refusal did not use the one-time URL up: the same handler mounted before the parser takes it.
    const fixed = express();
    fixed.use("/__storage", toNodeListener(handler));
    fixed.use(express.json());
    const retried = await request(at(await listen(fixed), upload.url), { method: "PUT", headers: upload.headers, body: jsonFile });
    expect(retried.status, await retried.clone().text()).toBe(200);
    expect(await storedDigest(storage, "data/report.json")).toBe(digest(jsonFile));

    // A type the parser skips still streams through untouched.
    const png = randomBytes(4096);
    const image = await storage.signPut("photos/b.png", { contentType: "image/png" });
    const stored = await request(at(server, image.url), { method: "PUT", headers: image.headers, body: png });
    expect(stored.status).toBe(200);
    expect(await storedDigest(storage, "photos/b.png")).toBe(digest(png));
  });

  it("the recipe: the storage route mounted before express.json() stores a JSON upload byte for byte, and the app's JSON routes still parse", async () => {
    const storage = signedStorage();
    const handler = createSignedUrlHandler(storage, { secrets, basePath: "/__storage" });
    const app = express();
    app.use("/__storage", toNodeListener(handler)); // before any body parser
    app.use(express.json());
    app.post("/api/uploads", async (req, res) => {
      const { key, contentType, size } = req.body as { key: string; contentType: string; size: number };
      res.json(await storage.signPut(key, { contentType, size, ifNotExists: true }));
    });
    const server = await listen(app);

    const signed = await request(`${server}/api/uploads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: "data/report.json", contentType: "application/json", size: jsonFile.byteLength }),
    });
    expect(signed.status).toBe(200);
    const upload = (await signed.json()) as { url: string; headers: Record<string, string> };
    const put = await request(at(server, upload.url), { method: "PUT", headers: upload.headers, body: jsonFile });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(await storedDigest(storage, "data/report.json")).toBe(digest(jsonFile));
    const replay = await request(at(server, upload.url), { method: "PUT", headers: upload.headers, body: jsonFile });
    expect(replay.status).toBe(409);
  });
});

describe("Hono on @hono/node-server", () => {
  it("mounts the web-standard handler directly: signed PUT and GET, limits enforced", async () => {
    const storage = signedStorage();
    const handler = createSignedUrlHandler(storage, { secrets, basePath: "/__storage" });
    const app = new Hono();
    app.all("/__storage/*", (c) => handler(c.req.raw));
    app.get("/", (c) => c.text("the app"));
    const server = await new Promise<string>((resolve) => {
      const running = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => resolve(`http://127.0.0.1:${info.port}`));
      servers.push(running as Server);
    });

    const body = randomBytes(1024 * 1024);
    const upload = await storage.signPut("videos/clip.bin", { contentType: "application/octet-stream", maxSize: 2 * 1024 * 1024 });
    const put = await request(at(server, upload.url), { method: "PUT", headers: upload.headers, body });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(await storedDigest(storage, "videos/clip.bin")).toBe(digest(body));
    const get = await request(at(server, (await storage.signGet("videos/clip.bin")).url));
    expect(digest(await get.arrayBuffer())).toBe(digest(body));

    const small = await storage.signPut("videos/small.bin", { maxSize: 1024 });
    const tooLarge = await request(at(server, small.url), { method: "PUT", headers: small.headers, body });
    expect(tooLarge.status).toBe(413);
    expect(await storage.head("videos/small.bin")).toBeNull();
  });
});

const nextApp = fileURLToPath(new URL("../recipes/next-app/", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("../../../", import.meta.url));
const nextBin = `${nextApp}node_modules/next/dist/bin/next`;

describe("Next.js route handler (next build, next start)", () => {
  const secret = "next-recipe-secret-0123456789abcdef0123";
  let server = "";
  let child: ChildProcess | undefined;
  let output = "";

  beforeAll(async () => {
    // The recipe imports the built packages, as an app does.
    execFileSync("pnpm", ["exec", "turbo", "run", "build", "--filter=@stowage/http-recipe-next^...", "--output-logs=errors-only"], {
      cwd: repositoryRoot,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
      stdio: "pipe",
    });
    const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", STORAGE_SIGNING_SECRET: secret, NODE_ENV: "production" };
    execFileSync(process.execPath, [nextBin, "build"], { cwd: nextApp, env: { ...env, APP_URL: "http://build.invalid" }, stdio: "pipe" });
    const port = await freePort();
    server = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [nextBin, "start", "-p", String(port), "-H", "127.0.0.1"], {
      cwd: nextApp,
      env: { ...env, APP_URL: server, APP_ORIGIN: "http://app.example" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (data: Buffer) => (output += data.toString()));
    child.stderr!.on("data", (data: Buffer) => (output += data.toString()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await fetch(`${server}/api/storage/ready`);
        break;
      } catch {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`next start did not come up:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }, 240_000);

  afterAll(() => {
    child?.kill("SIGTERM");
  });

  it("the app signs an upload, the browser PUTs it to the route handler, GET, HEAD and OPTIONS answer", async () => {
    const signed = await request(`${server}/api/uploads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: "docs/report.json", contentType: "application/json", size: jsonFile.byteLength }),
    });
    expect(signed.status, output).toBe(200);
    const { upload, download } = (await signed.json()) as {
      upload: { url: string; method: string; headers: Record<string, string> };
      download: string;
    };
    expect(upload.url.startsWith(`${server}/api/storage/docs/report.json?`)).toBe(true);

    const put = await request(upload.url, { method: upload.method, headers: upload.headers, body: jsonFile });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(((await put.json()) as { key: string; size: number }).size).toBe(jsonFile.byteLength);

    // The stored bytes, read back through the handler with the app's download URL.
    const get = await request(download);
    expect(get.status).toBe(200);
    expect(get.headers.get("content-type")).toBe("application/json");
    expect(digest(await get.arrayBuffer())).toBe(digest(jsonFile));
    const head = await request(download, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toBe(get.headers.get("etag"));
    // Next.js drops the handler's Content-Length (HEAD answers without one): documented in README.md.
    expect(head.headers.get("content-length")).toBeNull();

    // What the URL was signed with is enforced: create-only, and the signature.
    const replay = await request(upload.url, { method: "PUT", headers: upload.headers, body: jsonFile });
    expect(replay.status).toBe(409);
    const tampered = new URL(download);
    tampered.pathname = "/api/storage/docs/other.json";
    expect((await request(tampered.href)).status).toBe(403);

    const preflight = await request(upload.url, {
      method: "OPTIONS",
      headers: { origin: "http://app.example", "access-control-request-method": "PUT", "access-control-request-headers": "content-type" },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("http://app.example");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("PUT");
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
