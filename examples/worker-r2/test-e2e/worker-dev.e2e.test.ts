// The Worker as its README starts it (`pnpm --filter @stowage/example-worker-r2
// dev`: wrangler dev, local mode, a local R2 bucket), driven by Debian
// Chromium through the upload app's own page: sign in, pick an image, upload
// straight to the signed URL with progress, commit, the avatar through a
// signed GET, gallery paging, delete.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateSync } from "node:zlib";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs build script without declarations
import { ensureDevVars } from "../build.mjs";
import { readmeCommand, startWranglerDev, type RunningWorker } from "./wrangler-dev.ts";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
if (!existsSync("/usr/bin/chromium")) {
  throw new Error("Debian chromium is missing at /usr/bin/chromium: run scripts/system-deps.sh (apt-get install -y chromium); never npx playwright install");
}
const chromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** An RGB PNG of one colour, or of noise (incompressible, so its size is about width*height*3). */
function makePng(width: number, height: number, rgb: [number, number, number], noise = false): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const framed = Buffer.alloc(typed.length + 8);
    framed.writeUInt32BE(data.length, 0);
    typed.copy(framed, 4);
    framed.writeUInt32BE(crc32(typed), typed.length + 4);
    return framed;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const stride = width * 3 + 1;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) {
    pixels[y * stride + 1 + x * 3 + c] = noise ? (Math.random() * 256) | 0 : rgb[c]!;
  }
  const magic = Buffer.from("89504e470d0a1a0a", "hex");
  return Buffer.concat([magic, chunk("IHDR", header), chunk("IDAT", deflateSync(pixels, { level: noise ? 0 : 6 })), chunk("IEND", Buffer.alloc(0))]);
}

describe("the dev script's secret file", () => {
  it("copies .dev.vars.example to .dev.vars when it is missing, and never overwrites one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stowage-dev-vars-"));
    try {
      const example = await readFile(here("../.dev.vars.example"), "utf8");
      expect(example).toMatch(/^SIGNING_SECRET=\S{32,}$/m);
      await writeFile(join(dir, ".dev.vars.example"), example);
      expect(await ensureDevVars(dir)).toBe(true);
      expect(await readFile(join(dir, ".dev.vars"), "utf8")).toBe(example);
      await writeFile(join(dir, ".dev.vars"), "SIGNING_SECRET=mine-and-not-the-example-0123456789abcdef\n");
      expect(await ensureDevVars(dir)).toBe(false);
      expect(await readFile(join(dir, ".dev.vars"), "utf8")).toContain("mine-and-not-the-example");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe(`worker-r2 in Chromium, started with the README's command (${readmeCommand})`, () => {
  let worker: RunningWorker;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const problems: string[] = [];
  const devVars = here("../.dev.vars");
  const hadDevVars = existsSync(devVars);
  const flagsToken = "e2e-flags-token";

  beforeAll(async () => {
    worker = await startWranglerDev({ vars: { GALLERY_PAGE_SIZE: "2", FLAGS_TOKEN: flagsToken } });
    profile = await mkdtemp(join(tmpdir(), "stowage-worker-r2-chromium-"));
    context = await chromium.launchPersistentContext(profile, { executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) problems.push(`console: ${message.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await worker?.stop();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it("starts with the README's command: the README names it, the secret comes from .dev.vars, and the Worker answers", async () => {
    const readme = await readFile(here("../README.md"), "utf8");
    expect(readme).toContain(readmeCommand);
    // On a fresh clone (no .dev.vars) the command creates it; an existing one is kept.
    expect(existsSync(devVars)).toBe(true);
    if (!hadDevVars) expect(worker.output()).toContain("Created .dev.vars from .dev.vars.example");
    expect(worker.output()).toContain("Using secrets defined in .dev.vars");
    const me = await fetch(`${worker.baseUrl}/api/me`);
    expect(me.status).toBe(401); // signed out, not a 500 for a missing secret
    expect(await me.json()).toMatchObject({ error: { code: "SignedOut" } });
    const index = await fetch(`${worker.baseUrl}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<script type="module" src="/app.js"></script>');
    expect((await fetch(`${worker.baseUrl}/app.js`)).headers.get("content-type")).toMatch(/javascript/);
  });

  it("feature flags on the local KV namespace (wrangler.jsonc CONFIG): GET the defaults, PUT with FLAGS_TOKEN, GET them back with their expiry", async () => {
    const url = `${worker.baseUrl}/api/flags`;
    expect(await (await fetch(url)).json()).toEqual({ flags: {}, stored: false, expiresAt: null });
    const put = (body: unknown, token?: string) =>
      fetch(url, { method: "PUT", headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    expect((await put({ flags: { newUploader: true } })).status).toBe(401);
    expect((await put({ flags: { newUploader: "yes" } }, flagsToken)).status).toBe(400);
    const stored = await put({ flags: { newUploader: true }, ttlSeconds: 120 }, flagsToken);
    expect(stored.status).toBe(200);
    const body = (await stored.json()) as { flags: Record<string, boolean>; stored: boolean; expiresAt: string };
    expect(body).toMatchObject({ flags: { newUploader: true }, stored: true });
    expect(Math.abs(Date.parse(body.expiresAt) - (Date.now() + 120_000))).toBeLessThan(10_000);
    expect(await (await fetch(url)).json()).toEqual(body);
  });

  it("signs in, uploads an image straight to the signed URL with progress, commits, shows the avatar; pages the gallery; deletes", async () => {
    await page.goto(worker.baseUrl);
    await page.fill("#name", "Alice");
    await page.click("#sign-in button[type=submit]");
    await page.waitForSelector("#account", { state: "visible" });
    expect(await page.textContent("#user-name")).toBe("alice");

    const pick = async (name: string, bytes: Buffer): Promise<string> => {
      await page.evaluate(() => (document.getElementById("status")!.textContent = ""));
      const presigned = page.waitForResponse((response) => new URL(response.url()).pathname === "/api/uploads/presign");
      const uploaded = page.waitForResponse((response) => new URL(response.url()).pathname.startsWith("/__storage/") && response.request().method() === "PUT");
      await page.setInputFiles("#file", { name, mimeType: "image/png", buffer: bytes });
      const upload = (await (await presigned).json()) as { key: string; upload: { url: string } };
      expect(new URL(upload.upload.url).origin).toBe(worker.baseUrl); // straight to the Worker's gateway, same origin
      expect((await uploaded).status()).toBe(200);
      await page.waitForFunction(() => /^(Uploaded|Refused|The storage refused)/.test(document.getElementById("status")!.textContent ?? ""), null, { timeout: 30_000 });
      expect(await page.textContent("#status")).toBe(`Uploaded ${name}`);
      return upload.key;
    };

    const photo = makePng(512, 512, [0, 0, 0], true); // about 768 KiB
    const avatarKey = await pick("photo.png", photo);
    expect(avatarKey).toMatch(/^avatars\/alice\/[0-9a-f-]{36}-photo\.png$/);
    const progress = await page.evaluate(() => (window as unknown as { uploadProgress: { loaded: number; total: number }[] }).uploadProgress);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.at(-1)).toMatchObject({ loaded: photo.length, total: photo.length });
    expect(await page.textContent("#progress-text")).toBe("100%");

    // The avatar, through a signed GET from the local R2 bucket: the same bytes.
    await page.waitForFunction(() => {
      const image = document.getElementById("avatar") as HTMLImageElement;
      return !image.hidden && image.complete && image.naturalWidth > 0;
    });
    expect(await page.$eval("#avatar", (image) => (image as HTMLImageElement).naturalWidth)).toBe(512);
    const avatarUrl = await page.$eval("#avatar", (image) => (image as HTMLImageElement).src);
    expect(avatarUrl.startsWith(`${worker.baseUrl}/__storage/avatars/alice/`)).toBe(true);
    const served = await page.evaluate(async (url) => Array.from(new Uint8Array(await (await fetch(url)).arrayBuffer())), avatarUrl);
    expect(Buffer.from(served).equals(photo)).toBe(true);

    // Three more: the gallery pages two at a time over list cursors as it scrolls.
    const keys = [avatarKey];
    for (const [index, color] of ([[220, 60, 60], [60, 160, 80], [60, 90, 220]] as [number, number, number][]).entries()) {
      keys.push(await pick(`tile-${index}.png`, makePng(64, 64, color)));
    }
    const cursors: string[] = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname === "/api/uploads" && url.searchParams.has("cursor")) cursors.push(url.searchParams.get("cursor")!);
    });
    await page.reload();
    await page.waitForSelector("#gallery li");
    for (let attempt = 0; attempt < 20 && (await page.$$("#gallery li")).length < keys.length; attempt++) {
      await page.mouse.wheel(0, 2000);
      await page.waitForTimeout(150);
    }
    await page.waitForSelector("#gallery-end", { state: "visible" });
    const shown = await page.$$eval("#gallery li", (items) => items.map((item) => (item as HTMLElement).dataset.key!));
    expect([...shown].sort()).toEqual([...keys].sort());
    expect(cursors.length).toBeGreaterThanOrEqual(1); // 4 items in pages of 2

    // Delete: gone from the page and from the bucket (its signed GET now 404s).
    const gone = keys[1]!;
    const goneUrl = await page.$eval(`#gallery li[data-key="${gone}"] img`, (image) => (image as HTMLImageElement).src);
    await page.click(`#gallery li[data-key="${gone}"] button.delete`);
    await page.waitForSelector(`#gallery li[data-key="${gone}"]`, { state: "detached" });
    expect(await page.textContent("#status")).toBe("Deleted tile-0.png");
    expect((await fetch(goneUrl)).status).toBe(404);
    const listed = await page.evaluate(async () => (await (await fetch("/api/uploads?limit=100")).json()) as { items: { key: string }[] });
    expect(listed.items.map((item) => item.key).sort()).toEqual(keys.filter((key) => key !== gone).sort());
    expect(problems).toEqual([]);
  });
});
