// The large-file mode end to end in Debian Chromium (playwright-core, never a
// downloaded browser), on fs and on S3 (Ceph RGW): a file made in the page
// (STOWAGE_E2E_LARGE_MIB, default 256 MiB) goes up in 8 MiB parts, 4 at a
// time, through the app's upload routes and @stowage/client's uploadFile;
// part PUTs that fail, a reload at about 50%, and a cancel.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page, type Request as PwRequest, type Route } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { largeFilePrefix, largeUploadPartSize } from "../src/large-upload-routes.js";
import { startUploadApp, type RunningUploadApp } from "../src/start-upload-app.js";
import { e2eProviders, loadAssets } from "./e2e-setup.js";
import type { LargeUploadState } from "../src/browser/large-upload.js";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const chromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const mebibyte = 1024 * 1024;
const fileMiB = Number(process.env.STOWAGE_E2E_LARGE_MIB ?? 256);
if (!Number.isInteger(fileMiB) || fileMiB < 24 || fileMiB % 8 !== 0) throw new Error(`STOWAGE_E2E_LARGE_MIB must be a multiple of 8, at least 24 (got ${process.env.STOWAGE_E2E_LARGE_MIB})`);
const fileSize = fileMiB * mebibyte;
const partCount = fileSize / largeUploadPartSize;
/** Per test: a 256 MiB upload to RGW on a 2-core machine takes tens of seconds. */
const uploadTimeout = 600_000;
if (!existsSync("/usr/bin/chromium")) {
  throw new Error("Debian chromium is missing at /usr/bin/chromium: run scripts/system-deps.sh (apt-get install -y chromium); never npx playwright install");
}

/**
 * Chunk `index` (8 MiB) of the file for `seed`: AES-CTR over zeros, so the
 * page makes the same bytes again after a reload (the resume fingerprint
 * and the stored parts must match), and Node makes them to hash from the
 * seed. Source text, evaluated both in the page and here.
 */
const chunkSource = `(async (seed, index, size) => {
  const key = await crypto.subtle.importKey("raw", new Uint8Array(16).fill(seed % 251), "AES-CTR", false, ["encrypt"]);
  const counter = new Uint8Array(16);
  new DataView(counter.buffer).setUint32(0, index);
  return new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CTR", counter, length: 64 }, key, new Uint8Array(size)));
})`;
const makeChunk = (0, eval)(chunkSource) as (seed: number, index: number, size: number) => Promise<Uint8Array>;

async function expectedSha256(seed: number): Promise<string> {
  const hash = createHash("sha256");
  for (let index = 0; index < partCount; index++) hash.update(await makeChunk(seed, index, largeUploadPartSize));
  return hash.digest("hex");
}

const providers = e2eProviders("large-upload");

/** The part number of a part PUT (fs/memory HMAC part URL: `part`; S3: `partNumber`), or undefined for any other request. */
function partNumberOf(request: PwRequest): number | undefined {
  if (request.method() !== "PUT") return undefined;
  const params = new URL(request.url()).searchParams;
  const text = params.get("partNumber") ?? (params.has("upload-id") ? params.get("part") : null);
  return text === null ? undefined : Number(text);
}

/** Watches the part PUTs of the page: answers per part number, failures, and the ones in flight. */
class PartLog {
  readonly ok = new Map<number, number>();
  readonly statuses: number[] = [];
  /** Why part PUTs failed in the browser, for the failure messages. */
  readonly failures: string[] = [];
  failed = 0;
  sent = 0;
  settled = 0;
  okCount(): number {
    return [...this.ok.values()].reduce((sum, count) => sum + count, 0);
  }
}

for (const provider of providers) {
  const describeProvider = provider.unavailable ? describe.skip : describe;
  describeProvider(`large-file mode on ${provider.name}${provider.unavailable ? ` [skipped: ${provider.unavailable}]` : ""}`, () => {
    let app: RunningUploadApp;
    let cleanup: () => Promise<void>;
    let context: BrowserContext;
    let page: Page;
    let profile: string;
    let log: PartLog;
    /** Decides, for each part PUT about to be sent, whether to send, refuse (abort) or hold it; undefined: send. */
    let gate: ((route: Route, partNumber: number) => "send" | "abort" | "hold") | undefined;
    const held: Route[] = [];
    const timings: string[] = [];
    const pageProblems: string[] = [];

    async function signIn(name: string): Promise<string> {
      await page.goto(app.url);
      const user = await page.evaluate(async (name) => {
        const response = await fetch("/api/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name }) });
        return ((await response.json()) as { user: string }).user;
      }, name);
      await page.reload();
      await page.waitForSelector("#account", { state: "visible" });
      return user;
    }

    /**
     * Makes the file in the page and chooses it in the large-file input. The
     * chunks (from the seed) are written to the origin private file system,
     * so the File is disk-backed as a picked file is (a 256 MiB Blob built
     * from memory can hit Chromium's blob memory limit: ERR_BLOB_OUT_OF_MEMORY
     * on a loaded machine); `again` chooses the same file after a reload.
     */
    async function chooseFile(seed: number, name: string, again = false): Promise<void> {
      await page.evaluate(
        async ({ chunkSource, seed, name, partCount, partSize, again }) => {
          const makeChunk = (0, eval)(chunkSource) as (seed: number, index: number, size: number) => Promise<Uint8Array<ArrayBuffer>>;
          const root = await navigator.storage.getDirectory();
          const handle = await root.getFileHandle(name, { create: !again });
          if (!again) {
            const writable = await handle.createWritable();
            for (let index = 0; index < partCount; index++) await writable.write(await makeChunk(seed, index, partSize));
            await writable.close();
          }
          const file = await handle.getFile();
          const input = document.getElementById("large-file") as HTMLInputElement;
          const transfer = new DataTransfer();
          transfer.items.add(file);
          input.files = transfer.files;
          input.dispatchEvent(new Event("change", { bubbles: true }));
        },
        { chunkSource, seed, name, partCount, partSize: largeUploadPartSize, again },
      );
    }

    async function uploads(): Promise<LargeUploadState[]> {
      return page.evaluate(() => (window as unknown as { largeUploads: LargeUploadState[] }).largeUploads);
    }

    /** Waits until the last upload of the page has finished (done, failed or cancelled). */
    async function finished(): Promise<LargeUploadState> {
      await page.waitForFunction(
        () => {
          const all = (window as unknown as { largeUploads?: LargeUploadState[] }).largeUploads ?? [];
          const last = all[all.length - 1];
          return last !== undefined && ["done", "failed", "cancelled"].includes(last.state);
        },
        undefined,
        { timeout: uploadTimeout, polling: 250 },
      );
      const all = await uploads();
      return all[all.length - 1]!;
    }

    async function storedSha256(key: string): Promise<{ sha256: string; size: number; contentType: string }> {
      const object = await app.storage.get(key);
      expect(object).not.toBeNull();
      const hash = createHash("sha256");
      let size = 0;
      const reader = object!.body.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        hash.update(read.value);
        size += read.value.byteLength;
      }
      return { sha256: hash.digest("hex"), size, contentType: object!.contentType };
    }

    async function timed<T>(label: string, run: () => Promise<T>): Promise<T> {
      const start = Date.now();
      const value = await run();
      const seconds = (Date.now() - start) / 1000;
      timings.push(`${label}: ${seconds.toFixed(1)} s (${(fileMiB / seconds).toFixed(1)} MiB/s)`);
      return value;
    }

    beforeAll(async () => {
      const opened = await provider.open();
      cleanup = opened.cleanup;
      app = await startUploadApp({ storageUrl: opened.storageUrl, assets: await loadAssets() });
    });

    // A fresh browser profile per test: no stored session, blob or page state carries over.
    beforeEach(async () => {
      log = new PartLog();
      gate = undefined;
      held.splice(0);
      profile = await mkdtemp(join(tmpdir(), "stowage-large-upload-chromium-"));
      context = await chromium.launchPersistentContext(profile, { executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
      page = context.pages()[0] ?? (await context.newPage());
      page.on("pageerror", (error) => pageProblems.push(`pageerror: ${error.message}`));
      // Every part PUT passes here before it is sent: counted, and sent, refused or held as the test's gate says.
      await context.route(
        (url) => url.searchParams.has("partNumber") || url.searchParams.has("upload-id"),
        async (route) => {
          const partNumber = partNumberOf(route.request());
          if (partNumber === undefined) return route.continue();
          const decision = gate?.(route, partNumber) ?? "send";
          if (decision === "hold") return void held.push(route);
          if (decision === "abort") return route.abort("connectionreset");
          log.sent++;
          return route.continue();
        },
      );
      // The answers, across reloads (the page object stays).
      page.on("response", (response) => {
        const partNumber = partNumberOf(response.request());
        if (partNumber === undefined) return;
        log.settled++;
        log.statuses.push(response.status());
        if (response.status() === 200) log.ok.set(partNumber, (log.ok.get(partNumber) ?? 0) + 1);
      });
      page.on("requestfailed", (request) => {
        if (partNumberOf(request) === undefined) return;
        log.failed++;
        // A part refused by the gate never reached the server; one cut by the reload was sent.
        const errorText = request.failure()?.errorText ?? "unknown";
        log.failures.push(`part ${partNumberOf(request)}: ${errorText}`);
        if (errorText !== "net::ERR_CONNECTION_RESET") log.settled++;
      });
    });

    afterEach(async () => {
      await context?.close();
      if (profile) await rm(profile, { recursive: true, force: true });
    });

    afterAll(async () => {
      await app?.close();
      await cleanup?.();
      console.log(`large-file mode on ${provider.name}, ${fileMiB} MiB:\n  ${timings.join("\n  ")}`);
    });

    it(`uploads a ${fileMiB} MiB file made in the page, in 8 MiB parts 4 at a time; the stored object's SHA-256 is the file's`, { timeout: uploadTimeout }, async () => {
      log = new PartLog();
      gate = undefined;
      let inFlight = 0;
      let peak = 0;
      const track = (request: PwRequest, delta: number) => {
        if (partNumberOf(request) === undefined) return;
        inFlight += delta;
        peak = Math.max(peak, inFlight);
      };
      const onRequest = (request: PwRequest) => track(request, 1);
      const onDone = (request: PwRequest) => track(request, -1);
      const onResponse = (response: { request(): PwRequest }) => onDone(response.request());
      page.on("request", onRequest);
      page.on("response", onResponse);
      page.on("requestfailed", onDone);
      const user = await signIn("Plain");
      const expected = await expectedSha256(1);
      const upload = await timed("plain upload", async () => {
        await chooseFile(1, "plain.bin");
        return finished();
      });
      page.off("request", onRequest);
      page.off("response", onResponse);
      page.off("requestfailed", onDone);
      expect(upload.error, log.failures.join("; ")).toBeUndefined();
      expect(upload.state).toBe("done");
      expect(upload.result).toMatchObject({ size: fileSize, parts: partCount, contentType: "application/octet-stream" });
      expect(upload.result!.key.startsWith(largeFilePrefix(user))).toBe(true);
      expect(upload.result!.key.endsWith("-plain.bin")).toBe(true);
      // Progress with speed and time left, up to everything.
      expect(upload.progress).toMatchObject({ loaded: fileSize, total: fileSize, partsDone: partCount, partsTotal: partCount, secondsLeft: 0 });
      expect(await page.textContent("#large-uploads li .detail")).toContain("Stored as");
      // Each part once, in parallel, never more than 4 at a time.
      expect(log.okCount()).toBe(partCount);
      expect([...log.ok.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: partCount }, (_, index) => index + 1));
      expect(peak).toBeGreaterThan(1);
      expect(peak).toBeLessThanOrEqual(4);
      const stored = await storedSha256(upload.result!.key);
      expect(stored).toEqual({ sha256: expected, size: fileSize, contentType: "application/octet-stream" });
      expect(pageProblems).toEqual([]);
    });

    it("finishes with the right SHA-256 when 3 part PUTs are cut off mid-way (each retried)", { timeout: uploadTimeout }, async () => {
      log = new PartLog();
      const aborted: number[] = [];
      // Three part requests (the 2nd, one about half-way and the last of the
      // first round) never reach the server: the connection is reset.
      let attempt = 0;
      const refused = new Set([2, Math.floor(partCount / 2) + 1, partCount]);
      gate = (_route, partNumber) => {
        attempt++;
        if (!refused.has(attempt)) return "send";
        aborted.push(partNumber);
        return "abort";
      };
      await signIn("Flaky");
      const expected = await expectedSha256(2);
      const upload = await timed("3 part PUTs cut off", async () => {
        await chooseFile(2, "flaky.bin");
        return finished();
      });
      gate = undefined;
      expect(upload.error, log.failures.join("; ")).toBeUndefined();
      expect(upload.state).toBe("done");
      expect(aborted).toHaveLength(3);
      expect(log.failed).toBe(3);
      // Every part stored once, the cut-off ones by their retry.
      expect(log.okCount()).toBe(partCount);
      for (const partNumber of aborted) expect(log.ok.get(partNumber)).toBe(1);
      expect(await storedSha256(upload.result!.key)).toMatchObject({ sha256: expected, size: fileSize });
    });

    it("resumes after a reload at about 50% from the stored session: the server stored each part exactly once", { timeout: uploadTimeout }, async () => {
      log = new PartLog();
      const half = Math.floor(partCount / 2);
      // The first `half` part PUTs go out; any later one is held (never sent), so
      // the reload finds exactly `half` parts answered and none half-sent.
      gate = () => (log.sent < half ? "send" : "hold");
      await signIn("Reloader");
      const expected = await expectedSha256(3);
      const upload = await timed("reload at 50% and resume", async () => {
        await chooseFile(3, "resumed.bin");
        await expect.poll(() => log.settled, { timeout: uploadTimeout, interval: 100 }).toBe(half);
        expect(log.okCount()).toBe(half);
        const before = await page.evaluate(() => Object.keys(localStorage).filter((name) => name.startsWith("stowage-upload:")).map((name) => JSON.parse(localStorage.getItem(name)!) as { key: string }));
        expect(before).toHaveLength(1);
        // The gate keeps holding until the old page is gone: a part sent now
        // could be stored with its answer lost to the reload.
        await page.reload();
        gate = undefined;
        for (const route of held.splice(0)) await route.abort().catch(() => {});
        expect(log.sent).toBe(half);
        await page.waitForSelector("#account", { state: "visible" });
        // Choosing the same file again (the same bytes, name and date) resumes the stored session.
        await chooseFile(3, "resumed.bin", true);
        const resumed = await finished();
        expect(resumed.result?.key).toBe(before[0]!.key);
        return resumed;
      });
      expect(upload.error, log.failures.join("; ")).toBeUndefined();
      expect(upload.state).toBe("done");
      const counts = Array.from({ length: partCount }, (_, index) => log.ok.get(index + 1) ?? 0);
      expect(counts).toEqual(Array.from({ length: partCount }, () => 1));
      expect(log.statuses.every((status) => status === 200)).toBe(true);
      expect(await storedSha256(upload.result!.key)).toMatchObject({ sha256: expected, size: fileSize });
      // The stored session is forgotten once complete.
      expect(await page.evaluate(() => Object.keys(localStorage).filter((name) => name.startsWith("stowage-upload:")))).toEqual([]);
    });

    it("pause stops sending parts and resume continues; cancel midway leaves no session on the server or in the page, and no object", { timeout: uploadTimeout }, async () => {
      log = new PartLog();
      // Two part PUTs go out; the next ones wait (held) until the cancel.
      gate = () => (log.sent < 2 ? "send" : "hold");
      const user = await signIn("Canceller");
      await chooseFile(4, "cancelled.bin");
      await expect.poll(() => log.okCount(), { timeout: uploadTimeout, interval: 100 }).toBe(2);
      // The session exists on the server while the upload runs.
      expect(await app.storage.uploads.list({ prefix: largeFilePrefix(user) })).toHaveLength(1);
      // Pause: the parts in flight (held here) are dropped and no part PUT starts.
      await page.click("#large-uploads li button.pause");
      expect(await page.textContent("#large-uploads li button.pause")).toBe("Resume");
      expect((await uploads()).at(-1)!.state).toBe("paused");
      gate = undefined;
      for (const route of held.splice(0)) await route.abort().catch(() => {});
      const sentWhenPaused = log.sent;
      await page.waitForTimeout(1500);
      expect(log.sent).toBe(sentWhenPaused);
      // Resume: two more parts go out and are stored (the next ones held again).
      gate = () => (log.sent < sentWhenPaused + 2 ? "send" : "hold");
      await page.click("#large-uploads li button.pause");
      expect((await uploads()).at(-1)!.state).toBe("uploading");
      await expect.poll(() => log.okCount(), { timeout: uploadTimeout, interval: 100 }).toBe(4);
      // Cancel.
      await page.click("#large-uploads li button.cancel");
      const upload = await finished();
      gate = undefined;
      for (const route of held.splice(0)) await route.abort().catch(() => {});
      expect(upload.state).toBe("cancelled");
      expect(upload.error?.code).toBe("Aborted");
      expect(log.okCount()).toBeLessThan(partCount);
      expect(await app.storage.uploads.list({ prefix: largeFilePrefix(user) })).toEqual([]);
      expect((await app.storage.list({ prefix: largeFilePrefix(user) })).objects).toEqual([]);
      expect(await page.evaluate(() => Object.keys(localStorage).filter((name) => name.startsWith("stowage-upload:")))).toEqual([]);
    });
  });
}
