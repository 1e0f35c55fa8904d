// uploadFile in Debian Chromium (playwright-core): the XMLHttpRequest
// transport (upload progress), the default localStorage store, and a real
// page reload midway, against the test server of upload-routes-server.ts
// (which also serves the page, so everything is same-origin).
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startUploadServer, type UploadServer, type UploadServerOptions } from "./upload-routes-server.ts";

if (!existsSync("/usr/bin/chromium")) {
  throw new Error("Debian chromium is missing at /usr/bin/chromium: run scripts/system-deps.sh (apt-get install -y chromium); never npx playwright install");
}

const MiB = 1024 * 1024;
let clientCode: string;
let context: BrowserContext;
let profile: string;
const servers: UploadServer[] = [];

beforeAll(async () => {
  const entry = fileURLToPath(new URL("../src/index.ts", import.meta.url));
  clientCode = (await build({ entryPoints: [entry], bundle: true, format: "esm", write: false, target: "es2022" })).outputFiles[0]!.text;
  profile = await mkdtemp(join(tmpdir(), "stowage-client-upload-file-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}, 60_000);

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

afterAll(async () => {
  await context?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

async function open(options: UploadServerOptions): Promise<{ server: UploadServer; page: Page }> {
  const server = await startUploadServer({ partSize: 5 * MiB, pageScript: clientCode, ...options });
  servers.push(server);
  const page = await context.newPage();
  await page.goto(server.origin);
  await page.waitForFunction(() => "client" in window);
  return { server, page };
}

/** Starts an upload of a deterministic file in the page; its state lands in `window.upload`. */
async function start(page: Page, size: number, concurrency: number): Promise<void> {
  await page.evaluate(
    async ({ size, concurrency }) => {
      const bytes = new Uint8Array(size);
      for (let index = 0; index < size; index++) bytes[index] = (index * 31 + (index >>> 13)) & 0xff;
      const file = new File([bytes], "movie.mp4", { type: "video/mp4", lastModified: 1_700_000_000_000 });
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
      const hash = Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
      const { uploadFile } = (window as unknown as { client: typeof import("../src/index.ts") }).client;
      const state: { hash: string; progress: { loaded: number; partsDone: number }[]; result?: unknown; error?: string; stored: () => number } = {
        hash,
        progress: [],
        stored: () => Object.keys(localStorage).filter((name) => name.startsWith("stowage-upload:")).length,
      };
      (window as unknown as { upload: typeof state }).upload = state;
      uploadFile(file, { routes: "/api/uploads", concurrency, resumeKey: "user-1", onProgress: ({ loaded, partsDone }) => state.progress.push({ loaded, partsDone }) }).promise.then(
        (result) => (state.result = result),
        (error: Error) => (state.error = `${(error as { code?: string }).code}: ${error.message}`),
      );
    },
    { size, concurrency },
  );
}

async function finished(page: Page): Promise<{ hash: string; progress: { loaded: number; partsDone: number }[]; result?: { key: string; size: number; parts: number }; error?: string; storedAfter: number }> {
  await page.waitForFunction(() => {
    const state = (window as unknown as { upload?: { result?: unknown; error?: string } }).upload;
    return state !== undefined && (state.result !== undefined || state.error !== undefined);
  }, undefined, { timeout: 60_000 });
  return page.evaluate(() => {
    const state = (window as unknown as { upload: { hash: string; progress: { loaded: number; partsDone: number }[]; result?: { key: string; size: number; parts: number }; error?: string; stored: () => number } }).upload;
    return { hash: state.hash, progress: state.progress, result: state.result, error: state.error, storedAfter: state.stored() };
  });
}

async function storedHash(server: UploadServer, key: string): Promise<string> {
  const object = await server.storage.get(key);
  return createHash("sha256").update(await object!.bytes()).digest("hex");
}

describe("uploadFile in Chromium", () => {
  it("uploads through XMLHttpRequest with in-flight progress, and forgets the stored session at the end", async () => {
    const { server, page } = await open({});
    await start(page, 21 * MiB, 4);
    const state = await finished(page);
    expect(state.error).toBeUndefined();
    expect(state.result).toMatchObject({ key: "uploads/movie.mp4", size: 21 * MiB, parts: 5 });
    expect(await storedHash(server, "uploads/movie.mp4")).toBe(state.hash);
    expect(state.progress.at(-1)).toMatchObject({ loaded: 21 * MiB, partsDone: 5 });
    // XMLHttpRequest reports bytes of parts in flight: some event before the first part is stored.
    expect(state.progress.some((event) => event.partsDone === 0 && event.loaded > 0)).toBe(true);
    expect(state.storedAfter).toBe(0);
    await page.close();
  });

  it("resumes after a page reload: every part is stored once", async () => {
    const { server, page } = await open({ partDelayMs: 150 });
    await start(page, 36 * MiB, 2);
    await page.waitForFunction(() => (window as unknown as { upload: { progress: { partsDone: number }[] } }).upload.progress.some((event) => event.partsDone >= 2));
    expect(await page.evaluate(() => (window as unknown as { upload: { stored: () => number } }).upload.stored())).toBe(1);
    await page.reload();
    await page.waitForFunction(() => "client" in window);
    const storedBefore = [...server.storedByPart.keys()];
    expect(storedBefore.length).toBeGreaterThanOrEqual(2);
    expect(storedBefore.length).toBeLessThan(8);
    await start(page, 36 * MiB, 2);
    const state = await finished(page);
    expect(state.error).toBeUndefined();
    expect(await storedHash(server, "uploads/movie.mp4")).toBe(state.hash);
    expect(server.routeCalls.filter((call) => call === "create")).toHaveLength(1);
    expect(server.routeCalls).toContain("list");
    expect([...server.storedByPart.entries()].sort(([a], [b]) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((part) => [part, 1]));
    // The resumed page starts from what was already stored.
    expect(state.progress[0]!.partsDone).toBeGreaterThanOrEqual(2);
    expect(state.storedAfter).toBe(0);
    await page.close();
  });
});
