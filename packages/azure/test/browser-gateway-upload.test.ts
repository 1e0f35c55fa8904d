// A big file uploaded from a real browser (Debian Chromium) to Azure Blob
// storage (Azurite) through resumable upload sessions in gateway mode: the
// driver signs with createHmacSigner, and one local http server serves the
// page, the bundled @stowage/client, @stowage/http's upload routes (create,
// sign, list, complete, abort) and createSignedUrlHandler at the signer's
// baseUrl, where the part PUTs land and become staged blocks. The page runs
// @stowage/client's uploadFile (XMLHttpRequest parts, progress, retries,
// cancel); Node reads the stored object back and hashes it.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type BrowserContext, type Page, type Request as PwRequest, type Route } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHmacSigner, createStorage, type Storage } from "@stowage/core";
import { createSignedUrlHandler, createUploadRoutes, memoryNonceStore } from "@stowage/http";
import { serveHandler, type ServedHandler } from "@stowage/http/node";
import { azureDriver, azureUploadLimits } from "@stowage/azure";
import { sasEnvironment } from "./sas-environment.js";

const environment = sasEnvironment();
if (environment !== null && !existsSync("/usr/bin/chromium")) {
  throw new Error("Debian chromium is missing at /usr/bin/chromium: run scripts/system-deps.sh (apt-get install -y chromium); never npx playwright install");
}

const MiB = 1024 * 1024;
/** 12 MiB and a tail, so the last part is smaller than the others (Azure's blocks need not be equal). */
const fileSize = 12 * MiB + 4321;
/** 3 MiB parts: five parts, the last one 4321 bytes. */
const partSize = 3 * MiB;
const partCount = Math.ceil(fileSize / partSize);
const fileType = "video/mp4";
const secrets = [{ id: "browser-gateway", secret: "browser-gateway-upload-secret-0123456789abcdef" }];
const chromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** The file's bytes: the same formula runs in the page (to make the File) and here (to hash). */
function fileBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index++) bytes[index] = (index * 31 + (index >>> 13)) & 0xff;
  return bytes;
}

/** The part number of a gateway part PUT (`?upload-id=…&part=…`), or undefined for any other request. */
function partNumberOf(request: PwRequest): number | undefined {
  if (request.method() !== "PUT") return undefined;
  const params = new URL(request.url()).searchParams;
  return params.has("upload-id") ? Number(params.get("part")) : undefined;
}

/** What the page reports about one uploadFile run. */
interface PageOutcome {
  result?: { key: string; size: number; contentType: string; parts: number };
  error?: { code: string; message: string };
  progress: { loaded: number; total: number; partsDone: number; partsTotal: number }[];
}

describe.skipIf(environment === null)("a browser uploads a big file to Azurite through gateway upload sessions", () => {
  const env = environment!;
  const runPrefix = `browser-gateway/${crypto.randomUUID()}/`;
  let storage: Storage;
  let served: ServedHandler;
  let clientCode: string;
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  /** Keys the create route handed out, in order. */
  const createdKeys: string[] = [];
  /** Per part number: how many PUTs went to the server, and how many the browser saw fail. */
  let sent: Map<number, number>;
  let failed: Map<number, number>;
  /** Decides, for each part PUT about to leave the browser, whether to send, refuse or hold it; undefined: send. */
  let gate: ((partNumber: number, attempt: number) => "send" | "abort" | "hold") | undefined;
  const held: Route[] = [];
  const expectedSha256 = createHash("sha256").update(fileBytes(fileSize)).digest("hex");

  beforeAll(async () => {
    // One origin serves everything: the page, the client bundle, the upload routes and the part URLs.
    let handler: ((request: Request) => Promise<Response>) | undefined;
    served = await serveHandler((request) => handler!(request));
    const driver = azureDriver({
      container: env.container,
      endpoint: env.endpoint,
      accountName: env.accountName,
      accountKey: env.accountKey,
      signing: createHmacSigner({ secrets, baseUrl: `${served.url}/__storage` }),
    });
    storage = createStorage(driver);
    const signedUrls = createSignedUrlHandler(storage, { secrets, basePath: "/__storage", nonceStore: memoryNonceStore() });
    const uploadRoutes = createUploadRoutes(storage, {
      secrets,
      basePath: "/api/uploads",
      authorize(request, intent) {
        const prefix = request.headers.get("x-test-prefix") ?? "";
        if (!prefix.startsWith(runPrefix)) return false;
        if (intent.action === "create") {
          const key = `${prefix}${crypto.randomUUID()}-${intent.filename}`;
          createdKeys.push(key);
          return { key, partSize, maxSize: fileSize, expiresIn: 600 };
        }
        if (!intent.key.startsWith(prefix)) return false;
      },
    });
    const entry = fileURLToPath(new URL("../../client/src/index.ts", import.meta.url));
    clientCode = (await build({ entryPoints: [entry], bundle: true, format: "esm", write: false, target: "es2022" })).outputFiles[0]!.text;
    handler = async (request) => {
      const { pathname } = new URL(request.url);
      if (pathname.startsWith("/__storage/")) return signedUrls(request);
      if (pathname.startsWith("/api/uploads/")) return uploadRoutes(request);
      if (pathname === "/client.js") return new Response(clientCode, { headers: { "content-type": "text/javascript" } });
      if (pathname === "/") {
        return new Response('<!doctype html><script type="module">import * as client from "/client.js"; window.client = client;</script>', { headers: { "content-type": "text/html" } });
      }
      return new Response("not found", { status: 404 });
    };
    profile = await mkdtemp(join(tmpdir(), "stowage-azure-gateway-upload-"));
    context = await chromium.launchPersistentContext(profile, { executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
    // Every part PUT passes here before it leaves the browser: counted, and sent, refused or held as the test's gate says.
    await context.route(
      (url) => url.searchParams.has("upload-id"),
      async (route) => {
        const partNumber = partNumberOf(route.request());
        if (partNumber === undefined) return route.continue();
        const attempt = (sent.get(partNumber) ?? 0) + (failed.get(partNumber) ?? 0) + 1;
        const decision = gate?.(partNumber, attempt) ?? "send";
        if (decision === "hold") return void held.push(route);
        if (decision === "abort") return route.abort("connectionreset");
        sent.set(partNumber, (sent.get(partNumber) ?? 0) + 1);
        return route.continue();
      },
    );
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await served?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  beforeEach(async () => {
    sent = new Map();
    failed = new Map();
    gate = undefined;
    held.splice(0);
    page = await context.newPage();
    page.on("requestfailed", (request) => {
      const partNumber = partNumberOf(request);
      if (partNumber !== undefined) failed.set(partNumber, (failed.get(partNumber) ?? 0) + 1);
    });
    await page.goto(served.url);
    await page.waitForFunction(() => "client" in window);
  });

  afterEach(async () => {
    await Promise.all(held.splice(0).map((route) => route.abort().catch(() => {})));
    await page?.close();
  });

  /**
   * In the page: makes the file and starts uploadFile through the routes
   * (for keys under `prefix`, sent in a header the test's authorize reads), with a cancel button at `window.cancelUpload`;
   * `window.uploadOutcome` settles with what happened.
   */
  async function startUpload(prefix: string, resumeKey: string): Promise<void> {
    await page.evaluate(
      ({ size, type, prefix, resumeKey }) => {
        const bytes = new Uint8Array(size);
        for (let index = 0; index < size; index++) bytes[index] = (index * 31 + (index >>> 13)) & 0xff;
        const file = new File([bytes], "movie.mp4", { type });
        const { uploadFile } = (window as unknown as { client: typeof import("../../client/src/index.ts") }).client;
        const controller = new AbortController();
        const outcome: PageOutcome = { progress: [] };
        const handle = uploadFile(file, {
          routes: "/api/uploads",
          headers: { "x-test-prefix": prefix },
          concurrency: 3,
          resumeKey,
          retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
          signal: controller.signal,
          onProgress: ({ loaded, total, partsDone, partsTotal }) => outcome.progress.push({ loaded, total, partsDone, partsTotal }),
        });
        const state = window as unknown as { cancelUpload(): void; uploadOutcome: Promise<PageOutcome> };
        state.cancelUpload = () => controller.abort();
        state.uploadOutcome = handle.promise.then(
          ({ key, size, contentType, parts }) => ({ ...outcome, result: { key, size, contentType, parts } }),
          (error: { code?: string; message?: string }) => ({ ...outcome, error: { code: String(error.code), message: String(error.message) } }),
        );
      },
      { size: fileSize, type: fileType, prefix, resumeKey },
    );
  }

  async function outcome(): Promise<PageOutcome> {
    return page.evaluate(() => (window as unknown as { uploadOutcome: Promise<PageOutcome> }).uploadOutcome);
  }

  async function storedObject(key: string): Promise<{ sha256: string; size: number; contentType: string }> {
    const object = await storage.get(key);
    expect(object, `${key} is stored`).not.toBeNull();
    const hash = createHash("sha256");
    let size = 0;
    const reader = object!.body.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      hash.update(read.value);
      size += read.value.byteLength;
    }
    return { sha256: hash.digest("hex"), size, contentType: object!.contentType };
  }

  it("uploads 12 MiB made in the page in five parts with progress; the stored bytes, type and an empty upload list follow", async () => {
    expect(partSize).toBeGreaterThanOrEqual(azureUploadLimits.minPartSize);
    expect(partSize).toBeLessThanOrEqual(azureUploadLimits.maxPartSize);
    const prefix = `${runPrefix}plain/`;
    await startUpload(prefix, "plain");
    const result = await outcome();

    expect(result.error).toBeUndefined();
    expect(result.result).toMatchObject({ size: fileSize, contentType: fileType, parts: partCount });
    expect(createdKeys.at(-1)).toBe(result.result!.key);
    expect(result.result!.key.startsWith(prefix)).toBe(true);
    // Each part went to the gateway once, and progress climbed to everything.
    expect([...sent.entries()].sort(([a], [b]) => a - b)).toEqual(Array.from({ length: partCount }, (_, index) => [index + 1, 1]));
    expect(result.progress.length).toBeGreaterThan(1);
    expect(result.progress.at(-1)).toEqual({ loaded: fileSize, total: fileSize, partsDone: partCount, partsTotal: partCount });
    const loaded = result.progress.map((progress) => progress.loaded);
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b));

    expect(await storedObject(result.result!.key)).toEqual({ sha256: expectedSha256, size: fileSize, contentType: fileType });
    expect(await storage.uploads.list({ prefix })).toEqual([]);
  }, 30_000);

  it("a part PUT that fails in the browser is sent again, and the object is still exact", async () => {
    const prefix = `${runPrefix}retried/`;
    gate = (partNumber, attempt) => (partNumber === 2 && attempt === 1 ? "abort" : "send");
    await startUpload(prefix, "retried");
    const result = await outcome();

    expect(result.error).toBeUndefined();
    expect(result.result).toMatchObject({ size: fileSize, contentType: fileType, parts: partCount });
    // Part 2's first PUT failed in the browser (never reached the gateway); its retry did.
    expect(failed.get(2)).toBe(1);
    expect(sent.get(2)).toBe(1);
    expect([...failed.keys()]).toEqual([2]);
    expect(result.progress.at(-1)).toMatchObject({ loaded: fileSize, total: fileSize, partsDone: partCount });

    expect(await storedObject(result.result!.key)).toEqual({ sha256: expectedSha256, size: fileSize, contentType: fileType });
    expect(await storage.uploads.list({ prefix })).toEqual([]);
  }, 30_000);

  it("cancelling midway leaves no object at the key and no upload listed", async () => {
    const prefix = `${runPrefix}cancelled/`;
    // Part 1 goes through; every other part is held in the browser until the cancel.
    gate = (partNumber) => (partNumber === 1 ? "send" : "hold");
    const partOneStored = page.waitForResponse((response) => partNumberOf(response.request()) === 1 && response.status() === 200, { timeout: 20_000 });
    const createdBefore = createdKeys.length;
    await startUpload(prefix, "cancelled");
    await partOneStored;
    // Midway: a session exists, with a part staged under it.
    expect(createdKeys.length).toBe(createdBefore + 1);
    const key = createdKeys.at(-1)!;
    expect((await storage.uploads.list({ prefix })).map((upload) => upload.key)).toEqual([key]);
    expect(held.length).toBeGreaterThan(0);

    await page.evaluate(() => (window as unknown as { cancelUpload(): void }).cancelUpload());
    const result = await outcome();

    expect(result.result).toBeUndefined();
    expect(result.error?.code).toBe("Aborted");
    expect(await storage.head(key)).toBeNull();
    expect(await storage.uploads.list({ prefix })).toEqual([]);
    expect(sent.get(1)).toBe(1);
    expect([...sent.keys()]).toEqual([1]);
  }, 30_000);
});
