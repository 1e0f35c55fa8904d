// The large-file mode of the upload app's page against the Worker as its
// README starts it (`wrangler dev`, local mode, a local R2 bucket), in Debian
// Chromium: a file made in the page is uploaded by @stowage/client's
// uploadFile (the page's large-file input) in parallel parts, each PUT to
// the Worker's own /__storage part URLs (gateway mode), which store them in
// R2 through the binding; the stored object's SHA-256 equals the file's.
import { existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createHmacSigner } from "@stowage/core";
import { chromium, type BrowserContext, type Page, type Request as PwRequest } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type RunningWorker } from "./wrangler-dev.ts";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
if (!existsSync("/usr/bin/chromium")) {
  throw new Error("Debian chromium is missing at /usr/bin/chromium: run scripts/system-deps.sh (apt-get install -y chromium); never npx playwright install");
}
const chromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const MiB = 1024 * 1024;
/** The app grants 8 MiB parts (examples/upload-app/src/large-upload-routes.ts): four equal parts and a shorter last one. */
const partSize = 8 * MiB;
const fileSize = 32 * MiB + 3 * MiB + 7;
const partCount = Math.ceil(fileSize / partSize);

interface LargeUploadState {
  name: string;
  size: number;
  state: "uploading" | "paused" | "done" | "cancelled" | "failed";
  progress?: { loaded: number; total: number; partsDone: number; partsTotal: number };
  result?: { key: string; size: number; parts: number; contentType: string; etag: string };
  error?: { code: string; message: string };
}

/** The part number of a part PUT to the Worker's gateway (`…/__storage/<key>?upload-id=…&part=N…`), else undefined. */
function partNumberOf(request: PwRequest): number | undefined {
  if (request.method() !== "PUT") return undefined;
  const url = new URL(request.url());
  if (!url.pathname.startsWith("/__storage/") || !url.searchParams.has("upload-id")) return undefined;
  return Number(url.searchParams.get("part"));
}

/** The development secret `wrangler dev` reads (the Worker signs with it as key id "s1"). */
async function devSecret(): Promise<string> {
  const vars = await readFile(here("../.dev.vars"), "utf8");
  const secret = /^SIGNING_SECRET=(\S+)$/m.exec(vars)?.[1];
  if (secret === undefined) throw new Error("examples/worker-r2/.dev.vars has no SIGNING_SECRET");
  return secret;
}

describe("worker-r2 in Chromium: a multipart upload through the Worker (large-file mode, wrangler dev, local R2)", () => {
  let worker: RunningWorker;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const problems: string[] = [];
  const timings: string[] = [];

  const timed = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    const value = await run();
    timings.push(`${label}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
    return value;
  };

  /** Decides, per part PUT about to leave the page, to send it (undefined), refuse it, or hold it. */
  let gate: ((partNumber: number) => "abort" | "hold" | undefined) | undefined;
  const held: import("playwright-core").Route[] = [];

  /** Makes a file of `size` bytes in the page (a seeded xorshift stream), chooses it in the large-file input; its SHA-256. */
  async function chooseFile(name: string, size: number, seed: number): Promise<string> {
    return page.evaluate(
      async ({ name, size, seed }) => {
        const bytes = new Uint8Array(size);
        const words = new Uint32Array(bytes.buffer, 0, Math.floor(size / 4));
        let state = seed;
        for (let index = 0; index < words.length; index++) {
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          words[index] = state >>> 0;
        }
        for (let index = words.length * 4; index < size; index++) bytes[index] = index & 0xff;
        const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
        const file = new File([bytes], name, { type: "application/octet-stream", lastModified: 1_700_000_000_000 + seed });
        const input = document.getElementById("large-file") as HTMLInputElement;
        const transfer = new DataTransfer();
        transfer.items.add(file);
        input.files = transfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
        return [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("");
      },
      { name, size, seed },
    );
  }

  /** Waits until the page's last large upload has finished (done, failed or cancelled). */
  async function finished(): Promise<LargeUploadState> {
    await page.waitForFunction(
      () => {
        const all = (window as unknown as { largeUploads?: { state: string }[] }).largeUploads ?? [];
        const last = all[all.length - 1];
        return last !== undefined && ["done", "failed", "cancelled"].includes(last.state);
      },
      undefined,
      { timeout: 100_000, polling: 250 },
    );
    const all = await page.evaluate(() => (window as unknown as { largeUploads: LargeUploadState[] }).largeUploads);
    return all[all.length - 1]!;
  }

  /** A signed GET of `key` through the Worker's own /__storage (signed here with the dev secret, key id "s1"). */
  async function signedGet(key: string): Promise<string> {
    const signer = createHmacSigner({ secrets: [{ id: "s1", secret: await devSecret() }], baseUrl: `${worker.baseUrl}/__storage` });
    const now = new Date();
    return (await signer.signGet(key, { expiresIn: 60, now, expiresAt: new Date(now.getTime() + 60_000) })).url;
  }

  /** Signs in as `name` (the app's login route, from the page), then loads the page signed in. */
  async function signIn(name: string): Promise<void> {
    await page.goto(worker.baseUrl);
    await page.evaluate(async (name) => {
      const response = await fetch("/api/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name }) });
      if (!response.ok) throw new Error(`login answered ${response.status}`);
    }, name);
    await page.reload();
    await page.waitForSelector("#account", { state: "visible" });
  }

  beforeAll(async () => {
    worker = await timed("wrangler dev start", () => startWranglerDev());
    profile = await mkdtemp(join(tmpdir(), "stowage-worker-r2-multipart-"));
    context = await chromium.launchPersistentContext(profile, { executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    // Every part PUT passes here before it leaves the page: sent, refused (connection reset) or held, as `gate` says.
    await context.route(
      (url) => url.pathname.startsWith("/__storage/") && url.searchParams.has("upload-id"),
      async (route) => {
        const partNumber = partNumberOf(route.request());
        const decision = partNumber === undefined ? undefined : gate?.(partNumber);
        if (decision === "hold") return void held.push(route);
        if (decision === "abort") return route.abort("connectionreset");
        return route.continue();
      },
    );
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await worker?.stop();
    if (profile) await rm(profile, { recursive: true, force: true });
    console.log(`worker-r2 multipart e2e (${(fileSize / MiB).toFixed(1)} MiB, ${partCount} parts):\n  ${timings.join("\n  ")}`);
  });

  it(`uploads a ${(fileSize / MiB).toFixed(0)} MiB file made in the page in ${partCount} parts of 8 MiB (the last shorter) with uploadFile; the object's SHA-256 is the file's`, async () => {
    await signIn("Rita");
    gate = undefined;
    const ok = new Map<number, number>();
    const origins = new Set<string>();
    page.on("response", (response) => {
      const partNumber = partNumberOf(response.request());
      if (partNumber === undefined) return;
      origins.add(new URL(response.url()).origin);
      if (response.status() === 200) ok.set(partNumber, (ok.get(partNumber) ?? 0) + 1);
    });

    // The file is made in the page (incompressible), hashed there, and chosen in the large-file input.
    const expected = await chooseFile("big.bin", fileSize, 0x9e3779b9);
    const upload = await timed(`upload of ${(fileSize / MiB).toFixed(1)} MiB`, finished);
    expect(upload.error).toBeUndefined();
    expect(upload.state).toBe("done");
    expect(upload.result).toMatchObject({ size: fileSize, parts: partCount, contentType: "application/octet-stream" });
    expect(upload.result!.key).toMatch(/^files\/rita\/[0-9a-f-]{36}-big\.bin$/);
    expect(upload.progress).toMatchObject({ loaded: fileSize, total: fileSize, partsDone: partCount, partsTotal: partCount });
    // Every part once, each PUT to the Worker itself (same origin: the gateway's part URLs).
    expect([...ok.entries()].sort(([a], [b]) => a - b)).toEqual(Array.from({ length: partCount }, (_, index) => [index + 1, 1]));
    expect([...origins]).toEqual([worker.baseUrl]);

    // The stored object, read back through the Worker's own signed GET.
    const url = await signedGet(upload.result!.key);
    const stored = await timed("read back and hash", async () => {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/octet-stream");
      const bytes = new Uint8Array(await response.arrayBuffer());
      return { size: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest("hex") };
    });
    expect(stored).toEqual({ size: fileSize, sha256: expected });
    expect(problems).toEqual([]);
  });

  it("finishes with the right SHA-256 when part PUTs are cut off (parts 2 and 4, once each: retried)", async () => {
    await signIn("Sam");
    const size = 3 * partSize + 12_345;
    const refused = new Set<number>();
    gate = (partNumber) => {
      if ((partNumber === 2 || partNumber === 4) && !refused.has(partNumber)) {
        refused.add(partNumber);
        return "abort";
      }
      return undefined;
    };
    const expected = await chooseFile("flaky.bin", size, 0x1234567);
    const upload = await timed("upload with 2 cut part PUTs (17 MiB)", finished);
    gate = undefined;
    expect(upload.error).toBeUndefined();
    expect(upload.state).toBe("done");
    expect([...refused].sort()).toEqual([2, 4]);
    const response = await fetch(await signedGet(upload.result!.key));
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect({ size: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest("hex") }).toEqual({ size, sha256: expected });
  });

  it("cancel: the page's Cancel aborts the upload; no session is left (the routes answer NotFound) and no object exists", async () => {
    await signIn("Tina");
    let token: string | undefined;
    let key: string | undefined;
    page.on("response", async (response) => {
      if (new URL(response.url()).pathname === "/api/uploads/multipart/create" && response.status() === 200) {
        ({ token, key } = (await response.json()) as { token: string; key: string });
      }
    });
    // Every part is held: the upload stays in flight until it is cancelled.
    gate = () => "hold";
    await chooseFile("cancelled.bin", 2 * partSize, 0xabcdef);
    await page.waitForFunction(() => document.querySelector("#large-uploads li button.cancel") !== null);
    await expect.poll(() => held.length, { timeout: 30_000 }).toBeGreaterThan(0);
    await page.click("#large-uploads li button.cancel");
    const upload = await finished();
    gate = undefined;
    for (const route of held.splice(0)) await route.abort("connectionreset").catch(() => {});
    expect(upload.state).toBe("cancelled");
    expect(upload.error?.code).toBe("Aborted");
    expect(token).toBeDefined();
    // The session is gone from the Worker: list and complete of its token are NotFound (the driver's registry no longer holds it).
    const answers = await page.evaluate(async (token) => {
      const post = async (action: string, body: unknown) => {
        const response = await fetch(`/api/uploads/multipart/${action}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        return { status: response.status, code: ((await response.json().catch(() => ({}))) as { error?: { code: string } }).error?.code };
      };
      return { list: await post("list", { token }), complete: await post("complete", { token, parts: [{ partNumber: 1, etag: "0" }] }) };
    }, token!);
    expect(answers).toEqual({ list: { status: 404, code: "NotFound" }, complete: { status: 404, code: "NotFound" } });
    // No object at the session's key.
    expect(key).toMatch(/^files\/tina\/[0-9a-f-]{36}-cancelled\.bin$/);
    expect((await fetch(await signedGet(key!))).status).toBe(404);
    expect(problems).toEqual([]);
  });

  it("resumes after a page reload midway: choosing the same file again sends only the missing parts (each part stored once)", async () => {
    await signIn("Uma");
    const size = 4 * partSize;
    const ok = new Map<number, number>();
    let creates = 0;
    const onResponse = (response: import("playwright-core").Response) => {
      if (new URL(response.url()).pathname === "/api/uploads/multipart/create" && response.status() === 200) creates++;
      const partNumber = partNumberOf(response.request());
      if (partNumber !== undefined && response.status() === 200) ok.set(partNumber, (ok.get(partNumber) ?? 0) + 1);
    };
    page.on("response", onResponse);
    // Parts 1 and 2 go through; 3 and 4 are held until the page reloads (about 50%).
    gate = (partNumber) => (partNumber >= 3 ? "hold" : undefined);
    const expected = await chooseFile("resumed.bin", size, 0x5eed);
    await expect.poll(() => [ok.get(1), ok.get(2)], { timeout: 60_000 }).toEqual([1, 1]);
    await page.reload();
    for (const route of held.splice(0)) await route.abort("connectionreset").catch(() => {});
    await page.waitForSelector("#account", { state: "visible" });
    gate = undefined;
    expect(await chooseFile("resumed.bin", size, 0x5eed)).toBe(expected);
    const upload = await timed("resumed upload (32 MiB, 2 parts left)", finished);
    page.off("response", onResponse);
    expect(upload.error).toBeUndefined();
    expect(upload.state).toBe("done");
    // One session; every part stored exactly once (1 and 2 were not sent again).
    expect(creates).toBe(1);
    expect([...ok.entries()].sort(([a], [b]) => a - b)).toEqual([[1, 1], [2, 1], [3, 1], [4, 1]]);
    const response = await fetch(await signedGet(upload.result!.key));
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect({ size: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest("hex") }).toEqual({ size, sha256: expected });
    expect(problems).toEqual([]);
  });
});
