// A browser upload straight to Azure Blob storage: a page on one origin
// (a local http server) PUTs a file through a SAS URL to Azurite on another
// origin with @stowage/client's uploadToSignedUrl (XMLHttpRequest, upload
// progress), then reads it back through a signed GET. The cross-origin
// requests work because configureCors set the blob service's CORS rule.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStorage } from "@stowage/core";
import { configureCors } from "../src/configure-cors.js";
import { azureDriver } from "../src/index.js";
import { sasSigner } from "../src/sas-signer.js";
import { sasEnvironment } from "./sas-environment.js";

const environment = sasEnvironment();
if (environment !== null && !existsSync("/usr/bin/chromium")) {
  throw new Error("Debian chromium is missing at /usr/bin/chromium: run scripts/system-deps.sh (apt-get install -y chromium); never npx playwright install");
}

const MiB = 1024 * 1024;

describe.skipIf(environment === null)("a browser uploads through a SAS URL to Azurite on another origin", () => {
  const env = environment!;
  const signer = sasSigner({ accountName: env.accountName, accountKey: env.accountKey, endpoint: env.endpoint });
  const account = { accountName: env.accountName, accountKey: env.accountKey, endpoint: env.endpoint };
  let context: BrowserContext;
  let profile: string;
  const servers: Server[] = [];

  /** Serves the page (and the bundled client) from a fresh origin. */
  async function pageOrigin(clientCode: string): Promise<string> {
    const server = createServer((request, response) => {
      if (request.url === "/client.js") {
        response.writeHead(200, { "content-type": "text/javascript" }).end(clientCode);
        return;
      }
      response.writeHead(200, { "content-type": "text/html" }).end('<!doctype html><script type="module">import * as client from "/client.js"; window.client = client;</script>');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  let clientCode: string;
  beforeAll(async () => {
    const entry = fileURLToPath(new URL("../../client/src/index.ts", import.meta.url));
    clientCode = (await build({ entryPoints: [entry], bundle: true, format: "esm", write: false, target: "es2022" })).outputFiles[0]!.text;
    profile = await mkdtemp(join(tmpdir(), "stowage-azure-sas-upload-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  async function openPage(origin: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(origin);
    await page.waitForFunction(() => "client" in window);
    return page;
  }

  interface PageOutcome {
    hash: string;
    result?: { status: number; etag: string; size: number };
    error?: string;
    progress: { loaded: number; total: number }[];
    readBack?: { status: number; hash: string; disposition: string | null };
  }

  /** In the page: upload `size` deterministic bytes through `put`, then GET them through `get`. */
  async function uploadInPage(page: Page, size: number, put: unknown, get: string): Promise<PageOutcome> {
    return page.evaluate(
      async ({ size, put, get }) => {
        const hex = (buffer: ArrayBuffer): string => Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
        const bytes = new Uint8Array(size);
        for (let index = 0; index < size; index++) bytes[index] = (index * 31 + (index >>> 13)) & 0xff;
        const outcome: PageOutcome = { hash: hex(await crypto.subtle.digest("SHA-256", bytes)), progress: [] };
        const { uploadToSignedUrl } = (window as unknown as { client: typeof import("../../client/src/index.ts") }).client;
        try {
          const file = new File([bytes], "photo.bin", { type: "application/octet-stream" });
          const result = await uploadToSignedUrl(put as never, file, { onProgress: ({ loaded, total }) => outcome.progress.push({ loaded, total }) });
          outcome.result = { status: result.status, etag: result.etag, size: result.size };
          const response = await fetch(get);
          outcome.readBack = { status: response.status, hash: hex(await crypto.subtle.digest("SHA-256", await response.arrayBuffer())), disposition: response.headers.get("content-disposition") };
        } catch (error) {
          outcome.error = `${(error as { code?: string }).code}: ${(error as Error).message}`;
        }
        return outcome;
      },
      { size, put, get },
    );
  }

  it("uploads 5 MiB with progress, exposes the ETag, and reads the bytes back", async () => {
    const origin = await pageOrigin(clientCode);
    await configureCors(account, { origins: [origin], methods: ["GET", "HEAD", "PUT"], exposeHeaders: ["content-disposition"], keepOtherRules: false });
    const blob = `browser-sas/${crypto.randomUUID()}/photo.bin`;
    const expiresAt = new Date(Date.now() + 120_000);
    const put = await signer.signPut(env.container, blob, { expiresAt });
    const get = await signer.signGet(env.container, blob, { expiresAt });
    const page = await openPage(origin);
    const outcome = await uploadInPage(page, 5 * MiB, { ...put, expiresAt: put.expiresAt.toISOString() }, get.url);
    await page.close();

    expect(outcome.error).toBeUndefined();
    expect(outcome.result).toMatchObject({ status: 201, size: 5 * MiB });
    expect(outcome.result!.etag).toMatch(/^0x[0-9A-F]+$/);
    expect(outcome.progress.length).toBeGreaterThan(0);
    expect(outcome.progress.at(-1)).toEqual({ loaded: 5 * MiB, total: 5 * MiB });
    expect(outcome.readBack).toEqual({ status: 200, hash: outcome.hash, disposition: "attachment" });
    // The bytes on the server, read from Node.
    const stored = await fetch(get.url);
    expect(createHash("sha256").update(Buffer.from(await stored.arrayBuffer())).digest("hex")).toBe(outcome.hash);
  }, 60_000);

  it("a page on an origin the CORS rules do not list cannot upload", async () => {
    const listed = await pageOrigin(clientCode);
    const unlisted = await pageOrigin(clientCode);
    await configureCors(account, { origins: [listed], methods: ["GET", "HEAD", "PUT"], keepOtherRules: false });
    const blob = `browser-sas/${crypto.randomUUID()}/refused.bin`;
    const expiresAt = new Date(Date.now() + 120_000);
    const put = await signer.signPut(env.container, blob, { expiresAt });
    const get = await signer.signGet(env.container, blob, { expiresAt });
    const page = await openPage(unlisted);
    const outcome = await uploadInPage(page, 1024, { ...put, expiresAt: put.expiresAt.toISOString() }, get.url);
    await page.close();
    expect(outcome.result).toBeUndefined();
    expect(outcome.error).toMatch(/^Network/);
    const absent = await fetch(get.url);
    expect(absent.status).toBe(404);
    await absent.arrayBuffer();
  }, 60_000);

  describe("configureCors on Azurite (a preflight from Node shows the rules)", () => {
    async function preflight(origin: string): Promise<{ status: number; allowOrigin: string | null; allowHeaders: string | null }> {
      const response = await fetch(`${env.endpoint}/${env.container}/any`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "PUT", "access-control-request-headers": "x-ms-blob-type" },
      });
      await response.arrayBuffer();
      return { status: response.status, allowOrigin: response.headers.get("access-control-allow-origin"), allowHeaders: response.headers.get("access-control-allow-headers") };
    }

    it("keeps the rules of other origins and replaces the rule of the same origins (account or azure Storage)", async () => {
      const first = await configureCors(account, { origins: ["https://one.example"], methods: ["PUT"], keepOtherRules: false });
      expect(first.rules).toBe(1);
      // Through an azure Storage: its driver's REST client signs with Shared Key.
      const storage = createStorage(azureDriver({ container: env.container, ...account }));
      const second = await configureCors(storage, { origins: ["https://two.example"], methods: ["PUT"] });
      expect(second.rules).toBe(2);
      expect(await preflight("https://one.example")).toMatchObject({ status: 200, allowOrigin: "https://one.example" });
      expect(await preflight("https://two.example")).toMatchObject({ status: 200, allowOrigin: "https://two.example" });
      expect((await preflight("https://three.example")).status).toBe(403);
      const again = await configureCors(account, { origins: ["https://one.example"], methods: ["GET"], maxAgeSeconds: 5 });
      expect(again.rules).toBe(2);
      expect((await preflight("https://one.example")).status).toBe(403);
      expect(again.rule).toEqual({ allowedOrigins: ["https://one.example"], allowedMethods: ["GET"], allowedHeaders: ["x-ms-blob-type", "content-type"], exposedHeaders: ["ETag"], maxAgeInSeconds: 5 });
    });

    it("refuses a sixth rule before writing, and a wrong key is PermissionDenied", async () => {
      await configureCors(account, { origins: ["https://r1.example"], methods: ["PUT"], keepOtherRules: false });
      for (const name of ["r2", "r3", "r4", "r5"]) await configureCors(account, { origins: [`https://${name}.example`], methods: ["PUT"] });
      await expect(configureCors(account, { origins: ["https://r6.example"], methods: ["PUT"] })).rejects.toMatchObject({ code: "InvalidArgument", message: /at most 5/ });
      expect((await preflight("https://r5.example")).status).toBe(200);
      await expect(
        configureCors({ ...account, accountKey: btoa("x".repeat(64)) }, { origins: ["*"], methods: ["PUT"], keepOtherRules: false }),
      ).rejects.toMatchObject({ code: "PermissionDenied" });
    });
  });
});
