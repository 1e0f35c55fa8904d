// Runs the helper in real Chromium (Debian's /usr/bin/chromium through
// playwright-core) against a node:http server that records what arrives.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface Received {
  method: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

const chromiumPath = "/usr/bin/chromium";
if (!existsSync("/usr/bin/chromium")) {
  throw new Error("Debian chromium is missing at /usr/bin/chromium: run scripts/system-deps.sh (apt-get install -y chromium); never npx playwright install");
}
const received = new Map<string, Received>();
let server: Server;
let origin: string;
let context: BrowserContext;
let page: Page;
let profile: string;

async function bundleClient(): Promise<string> {
  const entry = fileURLToPath(new URL("../src/index.ts", import.meta.url));
  const result = await build({ entryPoints: [entry], bundle: true, format: "esm", write: false, target: "es2022" });
  return result.outputFiles[0]!.text;
}

beforeAll(async () => {
  const clientCode = await bundleClient();
  server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://x");
    if (url.pathname === "/") {
      response.setHeader("content-type", "text/html");
      response.end(`<!doctype html><script type="module">import * as client from "/client.js"; window.client = client;</script>`);
      return;
    }
    if (url.pathname === "/client.js") {
      response.setHeader("content-type", "text/javascript");
      response.end(clientCode);
      return;
    }
    if (url.pathname.startsWith("/hang/")) return; // never answers: for the abort test
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.set(url.pathname, { method: request.method ?? "", headers: request.headers, body: Buffer.concat(chunks) });
      if (url.pathname.startsWith("/refuse-json/")) {
        response.writeHead(403, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: { code: "InvalidSignature", message: "bad signature" } }));
      } else if (url.pathname.startsWith("/refuse-xml/")) {
        response.writeHead(400, { "content-type": "application/xml" });
        response.end("<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message></Error>");
      } else {
        response.writeHead(200, { etag: '"abc123"', "access-control-expose-headers": "ETag" });
        response.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  profile = await mkdtemp(join(tmpdir(), "stowage-client-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = context.pages()[0] ?? (await context.newPage());
  await page.goto(origin);
  await page.waitForFunction(() => "client" in window);
}, 60_000);

afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (profile) await rm(profile, { recursive: true, force: true });
});

/** Runs an upload in the page; `size` bytes of a repeating pattern with the given Blob type. */
async function upload(signed: unknown, size: number, type: string, extra: { abortAfterMs?: number; fileName?: string } = {}) {
  return page.evaluate(
    async ({ signed, size, type, extra }) => {
      const bytes = new Uint8Array(size);
      for (let index = 0; index < size; index++) bytes[index] = index % 251;
      const file = extra.fileName ? new File([bytes], extra.fileName, { type }) : new Blob([bytes], { type });
      const progress: { loaded: number; total: number; fraction: number }[] = [];
      const controller = new AbortController();
      if (extra.abortAfterMs !== undefined) setTimeout(() => controller.abort(), extra.abortAfterMs);
      const { uploadToSignedUrl } = (window as unknown as { client: typeof import("../src/index.js") }).client;
      try {
        const result = await uploadToSignedUrl(signed as never, file, { onProgress: (event) => progress.push(event), signal: controller.signal });
        return { ok: true as const, result, progress };
      } catch (error) {
        const failure = error as { name: string; message: string; status?: number; code?: string; serverCode?: string; cause?: { name?: string } };
        return {
          ok: false as const,
          name: failure.name,
          message: failure.message,
          status: failure.status,
          code: failure.code,
          serverCode: failure.serverCode,
          causeName: failure.cause?.name,
          progress,
        };
      }
    },
    { signed, size, type, extra },
  );
}

function expectedBytes(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let index = 0; index < size; index++) bytes[index] = index % 251;
  return bytes;
}

describe("uploadToSignedUrl in Chromium", () => {
  it("PUTs the bytes with exactly the signed headers, and reports progress to 100%", async () => {
    const size = 3 * 1024 * 1024 + 17;
    const signed = { url: `${origin}/put/a.png?sig=1`, method: "PUT", headers: { "content-type": "image/png", "x-amz-meta-owner": "u1" } };
    const outcome = await upload(signed, size, "");
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.status).toBe(200);
    expect(outcome.result.etag).toBe("abc123"); // unquoted, as head() reports it
    expect(outcome.result.size).toBe(size);
    const got = received.get("/put/a.png")!;
    expect(got.method).toBe("PUT");
    expect(got.headers["content-type"]).toBe("image/png"); // the signed type, not the Blob's
    expect(got.headers["x-amz-meta-owner"]).toBe("u1");
    expect(got.body.equals(expectedBytes(size))).toBe(true);
    expect(outcome.progress.length).toBeGreaterThanOrEqual(1);
    const last = outcome.progress.at(-1)!;
    expect(last).toEqual({ loaded: size, total: size, fraction: 1 });
    for (let index = 1; index < outcome.progress.length; index++) {
      expect(outcome.progress[index]!.loaded).toBeGreaterThanOrEqual(outcome.progress[index - 1]!.loaded);
    }
  });

  it("adds no Content-Type of its own when none was signed", async () => {
    const outcome = await upload({ url: `${origin}/put/untyped`, method: "PUT", headers: {} }, 10, "image/jpeg");
    expect(outcome.ok).toBe(true);
    expect(received.get("/put/untyped")!.headers["content-type"]).toBeUndefined();
  });

  it("POSTs a form with the signed fields in order and the file last", async () => {
    const signed = {
      url: `${origin}/post/bucket`,
      method: "POST",
      headers: {},
      fields: { key: "avatars/u1/x.png", "Content-Type": "image/png", policy: "cG9saWN5", "x-amz-signature": "abc" },
    };
    const outcome = await upload(signed, 1000, "image/png", { fileName: "x.png" });
    expect(outcome.ok).toBe(true);
    const got = received.get("/post/bucket")!;
    expect(got.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(new Uint8Array(got.body), { headers: { "content-type": got.headers["content-type"]! } }).formData();
    expect([...form.keys()]).toEqual(["key", "Content-Type", "policy", "x-amz-signature", "file"]);
    expect(form.get("key")).toBe("avatars/u1/x.png");
    const file = form.get("file") as File;
    expect(file.name).toBe("x.png");
    expect(Buffer.from(await file.arrayBuffer()).equals(expectedBytes(1000))).toBe(true);
    expect(outcome.progress.at(-1)).toEqual({ loaded: 1000, total: 1000, fraction: 1 });
  });

  it("rejects a refused upload with UploadError: one code, the status and the Stowage or S3 code as serverCode", async () => {
    const json = await upload({ url: `${origin}/refuse-json/x`, method: "PUT", headers: {} }, 10, "");
    expect(json).toMatchObject({ ok: false, name: "UploadError", status: 403, code: "BadSignature", serverCode: "InvalidSignature" });
    expect(json.ok === false && json.message).toContain("bad signature");
    const xml = await upload({ url: `${origin}/refuse-xml/x`, method: "POST", headers: {}, fields: {} }, 10, "");
    expect(xml).toMatchObject({ ok: false, name: "UploadError", status: 400, code: "TooLarge", serverCode: "EntityTooLarge" });
  });

  it("aborts through the signal: UploadError Aborted, the signal's reason as cause", async () => {
    const outcome = await upload({ url: `${origin}/hang/x`, method: "PUT", headers: {} }, 10, "", { abortAfterMs: 100 });
    expect(outcome).toMatchObject({ ok: false, name: "UploadError", code: "Aborted", status: 0, causeName: "AbortError" });
  });

  it("refuses a GET request and a network failure is status 0", async () => {
    const get = await upload({ url: `${origin}/put/x`, method: "GET", headers: {} }, 1, "");
    expect(get).toMatchObject({ ok: false, name: "TypeError" });
    const down = await upload({ url: "http://127.0.0.1:9/nothing", method: "PUT", headers: {} }, 1, "");
    expect(down).toMatchObject({ ok: false, name: "UploadError", status: 0, code: "Network" });
    expect(down.ok === false && down.message).toContain("CORS");
  });
});
