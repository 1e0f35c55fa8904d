// The upload app end to end in Debian Chromium (playwright-core, never a
// downloaded browser), once on fs and once on S3 (Ceph RGW). Only the
// STORAGE_URL differs between the two runs.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { build } from "esbuild";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUploadApp, type RunningUploadApp } from "../src/start-upload-app.js";
import type { Asset } from "../src/upload-app.js";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const artifactsDir = here("../../../artifacts");
const chromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const mebibyte = 1024 * 1024;
if (!existsSync("/usr/bin/chromium")) {
  throw new Error("Debian chromium is missing at /usr/bin/chromium: run scripts/system-deps.sh (apt-get install -y chromium); never npx playwright install");
}

// ---------------------------------------------------------------- images

const crcTable = Array.from({ length: 256 }, (_, index) => {
  let value = index;
  for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
  return value >>> 0;
});

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** An RGB PNG; `noise` makes it incompressible (so a 1024² image is about 3 MiB). */
function png(width: number, height: number, color: [number, number, number], noise = false): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      for (let channel = 0; channel < 3; channel++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        rows[row + 1 + x * 3 + channel] = noise ? seed >>> 24 : color[channel]!;
      }
    }
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", header), chunk("IDAT", deflateSync(rows, { level: noise ? 0 : 6 })), chunk("IEND", Buffer.alloc(0))]);
}

// ---------------------------------------------------------------- the app

async function loadAssets(): Promise<Record<string, Asset>> {
  const script = await build({
    entryPoints: [here("../src/browser/app.ts")],
    bundle: true,
    format: "esm",
    target: "es2022",
    write: false,
    alias: { "@stowage/client": here("../../../packages/client/src/index.ts") },
  });
  return {
    "/": { body: await readFile(here("../public/index.html"), "utf8"), type: "text/html; charset=utf-8" },
    "/style.css": { body: await readFile(here("../public/style.css"), "utf8"), type: "text/css; charset=utf-8" },
    "/app.js": { body: script.outputFiles[0]!.text, type: "text/javascript; charset=utf-8" },
  };
}

interface Provider {
  name: "fs" | "s3";
  /** Why it cannot run here; undefined when it can. */
  unavailable?: string;
  open(): Promise<{ storageUrl: string; cleanup(): Promise<void> }>;
}

const s3Env = process.env;
const providers: Provider[] = [
  {
    name: "fs",
    async open() {
      const root = await mkdtemp(join(tmpdir(), "stowage-upload-app-"));
      return { storageUrl: `file://${root}`, cleanup: () => rm(root, { recursive: true, force: true }) };
    },
  },
  {
    name: "s3",
    ...(s3Env.S3_ENDPOINT ? {} : { unavailable: "S3_ENDPOINT is not set (start Ceph RGW with scripts/ceph/start.sh)" }),
    async open() {
      const endpoint = s3Env.S3_ENDPOINT!;
      const region = s3Env.S3_REGION ?? "us-east-1";
      const bucket = `upload-app-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
      const client = new S3Client({
        region,
        endpoint,
        forcePathStyle: true,
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      });
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      const params = new URLSearchParams({ region, endpoint, forcePathStyle: "true", profile: "ceph-rgw" });
      return {
        storageUrl: `s3://${bucket}?${params}`,
        async cleanup() {
          const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
          const keys = (listed.Contents ?? []).map((object) => ({ Key: object.Key! }));
          if (keys.length > 0) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
          await client.send(new DeleteBucketCommand({ Bucket: bucket }));
          client.destroy();
        },
      };
    },
  },
];

if (process.env.CI === "true" && providers.some((provider) => provider.unavailable)) {
  throw new Error("CI=true: the S3 end-to-end run must not be skipped, but S3_ENDPOINT is not set");
}

// ---------------------------------------------------------------- the tests

for (const provider of providers) {
  const describeProvider = provider.unavailable ? describe.skip : describe;
  describeProvider(`upload app on ${provider.name}${provider.unavailable ? ` [skipped: ${provider.unavailable}]` : ""}`, () => {
    let app: RunningUploadApp;
    let cleanup: () => Promise<void>;
    let context: BrowserContext;
    let page: Page;
    let profile: string;
    let started: number;
    const photo = png(1024, 1024, [0, 0, 0], true);
    let avatarKey: string;

    async function signIn(name: string): Promise<void> {
      await page.goto(app.url);
      await page.fill("#name", name);
      await page.click("#sign-in button[type=submit]");
      await page.waitForSelector("#account", { state: "visible" });
    }

    /** Picks a file in the page's file input; a `size` makes the bytes in the page (faster than sending them over CDP). */
    async function pick(name: string, mimeType: string, content: Buffer | { size: number }): Promise<string> {
      await page.evaluate(() => {
        document.getElementById("status")!.textContent = "";
      });
      if (Buffer.isBuffer(content)) {
        await page.setInputFiles("#file", { name, mimeType, buffer: content });
      } else {
        await page.evaluate(
          ({ name, mimeType, size }) => {
            const input = document.getElementById("file") as HTMLInputElement;
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(size).fill(7)], name, { type: mimeType }));
            input.files = transfer.files;
            input.dispatchEvent(new Event("change"));
          },
          { name, mimeType, size: content.size },
        );
      }
      await page.waitForFunction(() => /^(Uploaded|Refused|The storage refused)/.test(document.getElementById("status")!.textContent ?? ""), null, {
        timeout: 60_000,
      });
      return (await page.textContent("#status")) ?? "";
    }

    async function imageWidth(selector: string): Promise<number> {
      await page.waitForFunction(
        (selector) => {
          const image = document.querySelector<HTMLImageElement>(selector);
          return image !== null && !image.hidden && image.complete && image.naturalWidth > 0;
        },
        selector,
        { timeout: 30_000 },
      );
      return page.$eval(selector, (image) => (image as HTMLImageElement).naturalWidth);
    }

    async function userKeys(user: string): Promise<string[]> {
      const keys: string[] = [];
      for await (const object of app.storage.listAll({ prefix: `avatars/${user}/` })) keys.push(object.key);
      return keys;
    }

    /** Runs in the page: presign as the signed-in user, then upload `size` bytes, optionally tampering first. */
    async function presignAndUpload(request: { filename: string; contentType: string; size: number }, bytes: number, tamper: boolean) {
      return page.evaluate(
        async ({ request, bytes, tamper }) => {
          const response = await fetch("/api/uploads/presign", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) });
          const presigned = await response.json();
          const upload = presigned.upload;
          if (tamper) {
            if (upload.method === "PUT") upload.url = upload.url.replace(/(\/avatars\/[^/]+\/)/, "$1x");
            else upload.fields.key = `${upload.fields.key}-tampered`;
          }
          const hooks = window as unknown as { uploadToSignedUrl: (signed: unknown, file: Blob) => Promise<unknown> };
          try {
            await hooks.uploadToSignedUrl(upload, new Blob([new Uint8Array(bytes)], { type: request.contentType }));
            return { key: presigned.key as string, method: upload.method as string, status: 200 };
          } catch (error) {
            return { key: presigned.key as string, method: upload.method as string, status: (error as { status: number }).status, code: (error as { code?: string }).code };
          }
        },
        { request, bytes, tamper },
      );
    }

    beforeAll(async () => {
      started = Date.now();
      const opened = await provider.open();
      cleanup = opened.cleanup;
      app = await startUploadApp({ storageUrl: opened.storageUrl, assets: await loadAssets(), pageSize: 2 });
      profile = await mkdtemp(join(tmpdir(), "stowage-upload-app-chromium-"));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: "/usr/bin/chromium",
        headless: true,
        args: chromiumArgs,
        viewport: { width: 900, height: 700 },
      });
      page = context.pages()[0] ?? (await context.newPage());
    });

    afterAll(async () => {
      await context?.close();
      await app?.close();
      await cleanup?.();
      if (profile) await rm(profile, { recursive: true, force: true });
      console.log(`upload-app e2e on ${provider.name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });

    it("signs in, uploads an image straight to storage with progress to 100%, shows it, and keeps it after a reload", async () => {
      await signIn("Alice");
      expect(await page.textContent("#user-name")).toBe("alice");
      expect(await pick("photo.png", "image/png", photo)).toBe("Uploaded photo.png");

      expect(await page.$eval("#progress", (element) => (element as HTMLProgressElement).value)).toBe(1);
      expect(await page.textContent("#progress-text")).toBe("100%");
      const events = await page.evaluate(() => (window as unknown as { uploadProgress: { loaded: number; total: number }[] }).uploadProgress);
      expect(events.length).toBeGreaterThanOrEqual(1);
      expect(events.at(-1)).toMatchObject({ loaded: photo.length, total: photo.length });

      expect(await imageWidth("#avatar")).toBe(1024);
      const keys = await userKeys("alice");
      expect(keys).toHaveLength(1);
      avatarKey = keys[0]!;
      expect(avatarKey).toMatch(/^avatars\/alice\/[0-9a-f-]{36}-photo\.png$/);
      const stored = await app.storage.head(avatarKey);
      expect(stored).toMatchObject({ size: photo.length, contentType: "image/png" });
      const record = await (await app.storage.get("users/alice.json"))!.json<{ avatarKey: string }>();
      expect(record.avatarKey).toBe(avatarKey);

      await page.reload();
      await page.waitForSelector("#account", { state: "visible" });
      expect(await imageWidth("#avatar")).toBe(1024);
    });

    it("pages the gallery over list cursors as it scrolls, and delete removes an upload", async () => {
      const colors: [number, number, number][] = [[220, 60, 60], [60, 160, 80], [60, 90, 220], [230, 180, 40]];
      for (const [index, color] of colors.entries()) {
        expect(await pick(`tile-${index}.png`, "image/png", png(160, 160, color))).toBe(`Uploaded tile-${index}.png`);
      }
      expect(await userKeys("alice")).toHaveLength(5);
      avatarKey = (await (await app.storage.get("users/alice.json"))!.json<{ avatarKey: string }>()).avatarKey;
      expect(avatarKey).toMatch(/-tile-3\.png$/); // each upload becomes the avatar

      const cursors: string[] = [];
      page.on("request", (request) => {
        const url = new URL(request.url());
        if (url.pathname === "/api/uploads" && url.searchParams.has("cursor")) cursors.push(url.searchParams.get("cursor")!);
      });

      await page.reload();
      await page.waitForSelector("#gallery li");
      for (let attempt = 0; attempt < 20 && (await page.$$("#gallery li")).length < 5; attempt++) {
        await page.mouse.wheel(0, 2000);
        await page.waitForTimeout(150);
      }
      await page.waitForSelector("#gallery-end", { state: "visible" });
      expect(await page.$$eval("#gallery li", (items) => items.length)).toBe(5);
      expect(cursors.length).toBeGreaterThanOrEqual(2); // pages of 2: 2 + 2 + 1
      expect(new Set(cursors).size).toBe(cursors.length);
      const widths = await page.$$eval("#gallery li img", async (images) =>
        Promise.all(
          (images as HTMLImageElement[]).map(async (image) => {
            image.loading = "eager";
            await image.decode().catch(() => undefined);
            return image.naturalWidth;
          }),
        ),
      );
      expect(widths.every((width) => width > 0)).toBe(true);

      const victim = (await page.$$eval("#gallery li", (items) => items.map((item) => (item as HTMLElement).dataset.key!))).find((key) => key !== avatarKey)!;
      await page.click(`#gallery li[data-key="${victim}"] button.delete`);
      await page.waitForSelector(`#gallery li[data-key="${victim}"]`, { state: "detached" });
      expect(await app.storage.head(victim)).toBeNull();
      expect(await userKeys("alice")).toHaveLength(4);
      await page.evaluate(() => window.scrollTo(0, 0));
      await mkdir(artifactsDir, { recursive: true });
      await page.screenshot({ path: join(artifactsDir, `upload-app-${provider.name}.png`), fullPage: true });

      await page.reload();
      await page.waitForSelector("#gallery li");
      for (let attempt = 0; attempt < 20 && !(await page.isVisible("#gallery-end")); attempt++) {
        await page.mouse.wheel(0, 2000);
        await page.waitForTimeout(150);
      }
      const remaining = await page.$$eval("#gallery li", (items) => items.map((item) => (item as HTMLElement).dataset.key!));
      expect(remaining).toHaveLength(4);
      expect(remaining).not.toContain(victim);
      expect(await imageWidth("#avatar")).toBe(160);
    });

    it("refuses a 6 MiB file and a non-image, in the page and in the storage itself", async () => {
      const before = await userKeys("alice");
      expect(await pick("big.png", "image/png", { size: 6 * mebibyte })).toMatch(/^Refused: The file is 6\.0 MiB; the limit is 5\.0 MiB/);
      expect(await pick("notes.txt", "text/plain", Buffer.from("not an image"))).toMatch(/^Refused: Only images/);
      expect(await userKeys("alice")).toEqual(before);

      // A client that lies about the size still cannot store 6 MiB: maxSize is in the signature.
      const lying = await presignAndUpload({ filename: "small.png", contentType: "image/png", size: 1000 }, 6 * mebibyte, false);
      expect(lying.status, JSON.stringify(lying)).toBeGreaterThanOrEqual(400);
      expect([413, 400, 403]).toContain(lying.status); // 413 from the Stowage handler; S3 POST policies answer 400 EntityTooLarge
      if (lying.method === "PUT") expect(lying.code).toBe("TooLarge");
      else expect(lying.code).toBe("EntityTooLarge");
      expect(await app.storage.head(lying.key)).toBeNull();
    });

    it("refuses a tampered signed URL", async () => {
      const tampered = await presignAndUpload({ filename: "t.png", contentType: "image/png", size: 100 }, 100, true);
      expect(tampered.status, JSON.stringify(tampered)).toBe(403);
      expect(await app.storage.head(tampered.key)).toBeNull();
      // The untampered URL for the same request works.
      const honest = await presignAndUpload({ filename: "t.png", contentType: "image/png", size: 100 }, 100, false);
      expect(honest.status).toBe(200);
      expect(await app.storage.head(honest.key)).toMatchObject({ size: 100 });
    });

    it("answers 403 to a commit of another user's key, and 401 when signed out", async () => {
      const statuses = await page.evaluate(async () => {
        const commit = async (key: string) =>
          (await fetch("/api/uploads/commit", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ key }) })).status;
        return [
          await commit("avatars/bob/00000000-0000-4000-8000-000000000000-x.png"),
          await commit("avatars/alice/../bob/x.png"),
          await commit("users/alice.json"),
        ];
      });
      expect(statuses).toEqual([403, 403, 403]);
      const signedOut = await fetch(`${app.url}/api/uploads/commit`, { method: "POST", body: JSON.stringify({ key: avatarKey }) });
      expect(signedOut.status).toBe(401);
      // A forged session cookie is no better.
      const forged = await fetch(`${app.url}/api/me/avatar`, { headers: { cookie: "sid=alice.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } });
      expect(forged.status).toBe(401);
    });
  });
}
