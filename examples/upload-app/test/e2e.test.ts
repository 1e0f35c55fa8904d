// The upload app end to end in Debian Chromium (playwright-core, never a
// downloaded browser), once on fs and once on S3 (Ceph RGW). Only the
// STORAGE_URL differs between the two runs.
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { createStorage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { s3Driver } from "@stowage/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUploadApp, type RunningUploadApp } from "../src/start-upload-app.js";
import { e2eProviders, loadAssets } from "./e2e-setup.js";
import { createUploadApp, uploadSignOptions } from "../src/upload-app.js";
import type { SignedUpload } from "@stowage/client";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const artifactsDir = here("../../../artifacts");
const chromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const mebibyte = 1024 * 1024;
const jsonType = { "content-type": "application/json" };
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

const providers = e2eProviders("upload-app", { azure: true });

// ---------------------------------------------------------------- the tests

describe("uploadSignOptions (chosen by storage.checkSignPut)", () => {
  const upload = { contentType: "image/png", size: 1234 };
  const signing = { secrets: [{ id: "k", secret: "0123456789abcdef0123456789abcdef" }], baseUrl: "http://127.0.0.1:1/__storage" };
  const s3 = (profile: "ceph-rgw" | "r2") =>
    createStorage(s3Driver({ bucket: "b", region: profile === "r2" ? "auto" : "us-east-1", endpoint: "http://127.0.0.1:1", profile, credentials: { accessKeyId: "a", secretAccessKey: "s" } }));

  it("signs an exact size and type, create-only, and one-time where the storage can", async () => {
    // memory (HMAC signing, served by the handler): create-only and one-time.
    const memory = createStorage(memoryDriver({ signing }));
    expect(uploadSignOptions(memory, upload)).toEqual({ ...upload, expiresIn: 300, ifNotExists: true, oneTime: true });
    // S3 on Ceph RGW: create-only; checkSignPut refuses oneTime, so it is not asked for.
    expect(s3("ceph-rgw").checkSignPut({ ...upload, oneTime: true })).toMatchObject({ ok: false, code: "Unsupported" });
    expect(uploadSignOptions(s3("ceph-rgw"), upload)).toEqual({ ...upload, expiresIn: 300, ifNotExists: true });
    // A shorter expiry passes through.
    expect(uploadSignOptions(memory, { ...upload, expiresIn: 5 })).toMatchObject({ expiresIn: 5 });
  });

  it("refuses a storage whose upload URLs could replace a stored object, naming the storage's reasons; the app will not start there", () => {
    const r2 = s3("r2");
    expect(() => uploadSignOptions(r2, upload)).toThrow(expect.objectContaining({ code: "Unsupported" }));
    expect(() => uploadSignOptions(r2, upload)).toThrow(/cannot replace a stored object.*signPutIfNotExists/);
    const start = () => createUploadApp({ storage: r2, sessionSecret: new Uint8Array(32), assets: {} });
    expect(start).toThrow(/cannot replace a stored object \(create-only or one-time\); this storage signs none/);
    // memory without signing cannot sign at all.
    expect(() => uploadSignOptions(createStorage(memoryDriver()), upload)).toThrow(expect.objectContaining({ code: "Unsupported" }));
  });
});

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
    const pageProblems: string[] = [];

    /** Signs in over HTTP (not in the page); returns the session cookie. */
    async function loginCookie(name: string): Promise<string> {
      const response = await fetch(`${app.url}/api/login`, { method: "POST", headers: jsonType, body: JSON.stringify({ name }) });
      expect(response.status).toBe(200);
      return response.headers.get("set-cookie")!.split(";")[0]!;
    }

    /** Sends a signed upload again from Node, exactly as the browser sent it (PUT, or an S3 POST form). */
    async function replay(upload: SignedUpload, bytes: Buffer, contentType: string): Promise<{ status: number; body: string }> {
      let response: Response;
      const body = new Uint8Array(bytes);
      if (upload.method === "POST") {
        const form = new FormData();
        for (const [name, value] of Object.entries(upload.fields ?? {})) form.append(name, value);
        form.append("file", new Blob([body], { type: contentType }), "replay.png");
        response = await fetch(upload.url, { method: "POST", body: form });
      } else {
        response = await fetch(upload.url, { method: upload.method, headers: upload.headers ?? {}, body });
      }
      return { status: response.status, body: await response.text() };
    }

    async function storedBytes(key: string): Promise<Buffer> {
      const object = await app.storage.get(key);
      expect(object).not.toBeNull();
      return Buffer.from(await object!.bytes());
    }

    async function signIn(name: string): Promise<void> {
      await context.clearCookies();
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
          const hooks = window as unknown as { uploadToSignedUrl: (signed: unknown, file: Blob, options: { checkFirst: boolean }) => Promise<unknown> };
          try {
            // checkFirst: false sends whatever the page has, so the storage itself must refuse (a lying client).
            await hooks.uploadToSignedUrl(upload, new Blob([new Uint8Array(bytes)], { type: request.contentType }), { checkFirst: false });
            return { key: presigned.key as string, upload, method: upload.method as string, status: 200 };
          } catch (error) {
            return { key: presigned.key as string, upload, method: upload.method as string, status: (error as { status: number }).status, code: (error as { code?: string }).code };
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
      // Unhandled rejections and errors, from the first script on: the page must handle every failure itself.
      await context.addInitScript(() => {
        const seen: string[] = [];
        (window as unknown as { unhandled: string[] }).unhandled = seen;
        window.addEventListener("unhandledrejection", (event) => seen.push(`unhandledrejection: ${String(event.reason)}`));
        window.addEventListener("error", (event) => seen.push(`error: ${event.message}`));
      });
      page = context.pages()[0] ?? (await context.newPage());
      page.on("pageerror", (error) => pageProblems.push(`pageerror: ${error.message}`));
      page.on("console", (message) => {
        // A refused fetch logs "Failed to load resource: ... 401"; that is the network, not the page's code.
        if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) pageProblems.push(`console: ${message.text()}`);
      });
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

      // A client that lies about the size still cannot store 6 MiB: the exact size is in the signature.
      const lying = await presignAndUpload({ filename: "small.png", contentType: "image/png", size: 1000 }, 6 * mebibyte, false);
      expect(lying.method).toBe("PUT");
      if (provider.gateway) {
        expect(lying, JSON.stringify(lying)).toMatchObject({ status: 413, code: "TooLarge" }); // the Stowage handler
      } else {
        // RGW's refusal carries no CORS headers, so the page sees status 0; from Node: 403 (the signed Content-Length differs).
        expect([0, 403], JSON.stringify(lying)).toContain(lying.status);
        expect((await replay(lying.upload, Buffer.alloc(6 * mebibyte), "image/png")).status).toBe(403);
      }
      expect(await app.storage.head(lying.key)).toBeNull();
    });

    it("refuses a tampered signed URL", async () => {
      const tampered = await presignAndUpload({ filename: "t.png", contentType: "image/png", size: 100 }, 100, true);
      if (provider.gateway) expect(tampered.status, JSON.stringify(tampered)).toBe(403);
      else {
        // RGW's 403 carries no CORS headers (the page sees status 0); Node sees the 403.
        expect([0, 403], JSON.stringify(tampered)).toContain(tampered.status);
        expect((await replay(tampered.upload, Buffer.alloc(100), "image/png")).status).toBe(403);
      }
      expect(await app.storage.head(tampered.key)).toBeNull();
      // The type is in the signature too: the same URL with another Content-Type is refused by the storage.
      const cookie = await loginCookie("alice");
      const presigned = await fetch(`${app.url}/api/uploads/presign`, {
        method: "POST",
        headers: { ...jsonType, cookie },
        body: JSON.stringify({ filename: "typed.png", contentType: "image/png", size: 100 }),
      });
      const { key: typedKey, upload: typedUpload } = (await presigned.json()) as { key: string; upload: SignedUpload };
      const retyped = await replay({ ...typedUpload, headers: { ...typedUpload.headers, "content-type": "text/html" } }, Buffer.alloc(100), "text/html");
      expect(retyped.status, retyped.body).toBe(403);
      expect(await app.storage.head(typedKey)).toBeNull();
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
      const signedOut = await fetch(`${app.url}/api/uploads/commit`, { method: "POST", headers: jsonType, body: JSON.stringify({ key: avatarKey }) });
      expect(signedOut.status).toBe(401);
      // A forged session cookie is no better.
      const forged = await fetch(`${app.url}/api/me/avatar`, { headers: { cookie: "sid=alice.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } });
      expect(forged.status).toBe(401);
    });

    it("answers an invalid key or a foreign list cursor with a 4xx JSON error, not a 500", async () => {
      const cookie = await loginCookie("Carol");
      const call = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${app.url}${path}`, {
          method,
          headers: { cookie, ...(method === "GET" ? {} : jsonType) },
          ...(method === "GET" ? {} : { body: JSON.stringify(body ?? {}) }),
        });
        const text = await response.text();
        return { status: response.status, type: response.headers.get("content-type"), body: JSON.parse(text) as { error?: { code: string; message: string } } };
      };
      const control = await call("DELETE", `/api/uploads?key=${encodeURIComponent("avatars/carol/a\u0001b.png")}`);
      expect(control, JSON.stringify(control)).toMatchObject({ status: 400, body: { error: { code: "InvalidKey" } } });
      expect(control.type).toMatch(/^application\/json/);
      const long = await call("POST", "/api/uploads/commit", { key: `avatars/carol/${"x".repeat(1100)}.png` });
      expect(long, JSON.stringify(long)).toMatchObject({ status: 400, body: { error: { code: "InvalidKey" } } });
      const dotDot = await call("DELETE", `/api/uploads?key=${encodeURIComponent("avatars/carol/..")}`);
      expect(dotDot, JSON.stringify(dotDot)).toMatchObject({ status: 400, body: { error: { code: "InvalidKey" } } });

      // A cursor another driver made (or garbage). fs checks its cursors; S3 (RGW) takes any
      // token as a start marker, so there it is a page of the user's own keys, never an error.
      for (const cursor of ["not-a-cursor", "1/AbCdEf==", "k:avatars/carol/"]) {
        const listed = await call("GET", `/api/uploads?cursor=${encodeURIComponent(cursor)}`);
        if (!provider.acceptsCursor(cursor)) {
          expect(listed, JSON.stringify(listed)).toMatchObject({ status: 400, body: { error: { code: "InvalidArgument" } } });
          expect(listed.body.error!.message).toMatch(/cursor/);
        } else {
          expect(listed.status, JSON.stringify(listed)).toBe(200);
        }
      }
    });

    it("refuses state-changing requests that a cross-site form or script could send", async () => {
      const post = (path: string, contentType: string | undefined, body: string, headers: Record<string, string> = {}) =>
        fetch(`${app.url}${path}`, { method: "POST", headers: { ...(contentType ? { "content-type": contentType } : {}), ...headers }, body });
      // What an HTML form can send cross-site without a preflight: text/plain (JSON-shaped) and urlencoded.
      const plain = await post("/api/login", "text/plain", JSON.stringify({ name: "mallory" }));
      expect(plain.status).toBe(415);
      expect(plain.headers.get("set-cookie")).toBeNull();
      expect(await plain.json()).toMatchObject({ error: { code: "NotJson" } });
      const form = await post("/api/login", "application/x-www-form-urlencoded", "name=mallory");
      expect(form.status).toBe(415);
      expect(form.headers.get("set-cookie")).toBeNull();
      const multipart = new FormData();
      multipart.append("name", "mallory");
      const formData = await fetch(`${app.url}/api/login`, { method: "POST", body: multipart });
      expect(formData.status).toBe(415);
      expect(formData.headers.get("set-cookie")).toBeNull();
      // JSON from another origin, or a browser saying the request is cross-site, is refused too.
      const foreign = await post("/api/login", "application/json", JSON.stringify({ name: "mallory" }), { origin: "http://evil.example" });
      expect(foreign.status).toBe(403);
      expect(foreign.headers.get("set-cookie")).toBeNull();
      const crossSite = await post("/api/login", "application/json", JSON.stringify({ name: "mallory" }), { "sec-fetch-site": "cross-site" });
      expect(crossSite.status).toBe(403);
      // The page's own request: JSON, same origin.
      const ok = await post("/api/login", "application/json; charset=utf-8", JSON.stringify({ name: "mallory" }), {
        origin: new URL(app.url).origin,
        "sec-fetch-site": "same-origin",
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get("set-cookie")).toMatch(/^sid=mallory\./);

      // Every other state-changing route, even with a valid session cookie.
      const cookie = ok.headers.get("set-cookie")!.split(";")[0]!;
      const presign = await post("/api/uploads/presign", "text/plain", JSON.stringify({ filename: "x.png", contentType: "image/png", size: 10 }), { cookie });
      expect(presign.status).toBe(415);
      const commit = await post("/api/uploads/commit", "text/plain", JSON.stringify({ key: "avatars/mallory/x.png" }), { cookie });
      expect(commit.status).toBe(415);
      const logout = await post("/api/logout", "application/x-www-form-urlencoded", "", { cookie });
      expect(logout.status).toBe(415);
      expect(logout.headers.get("set-cookie")).toBeNull();
      const remove = await fetch(`${app.url}/api/uploads?key=avatars/mallory/x.png`, { method: "DELETE", headers: { cookie } });
      expect(remove.status).toBe(415);
      const presignJson = await post("/api/uploads/presign", "application/json", JSON.stringify({ filename: "x.png", contentType: "image/png", size: 10 }), { cookie });
      expect(presignJson.status).toBe(200);
    });

    it("a cross-site form in Chromium cannot sign the browser in", async () => {
      // The attacker's page: another site (localhost, not 127.0.0.1) with a form that posts
      // a JSON-shaped text/plain body to /api/login as soon as it loads.
      const target = `${app.url}/api/login`;
      const attacker: Server = createServer((_request, response) => {
        response.setHeader("content-type", "text/html; charset=utf-8");
        response.end(
          `<form id="f" method="POST" enctype="text/plain" action="${target}"><input type="hidden" name='{"name":"mallory","x":"' value='"}'></form>` +
            `<script>document.getElementById("f").submit()</script>`,
        );
      });
      await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
      try {
        const attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}/`;
        await context.clearCookies();
        const answered = page.waitForResponse((response) => response.url() === target, { timeout: 15_000 });
        await page.goto(attackerUrl, { waitUntil: "commit" });
        const answer = await answered;
        await page.waitForURL(target, { waitUntil: "commit" });
        const cookies = await context.cookies(app.url);
        expect(cookies.filter((cookie) => cookie.name === "sid").map((cookie) => cookie.value)).toEqual([]);
        expect(answer.request().method()).toBe("POST");
        expect(answer.status()).toBe(403); // Origin: the attacker's site
        await page.goto(app.url);
        await page.waitForSelector("#sign-in", { state: "visible" });
      } finally {
        attacker.closeAllConnections();
        await new Promise((resolve) => attacker.close(resolve));
      }
    });

    it("a signed upload URL cannot replace the image once it is committed: replays fail and the image is unchanged", async () => {
      await signIn("Dave");
      const original = png(64, 64, [10, 200, 120]);
      const presigned = page.waitForResponse((response) => new URL(response.url()).pathname === "/api/uploads/presign");
      expect(await pick("first.png", "image/png", original)).toBe("Uploaded first.png");
      const { key, upload } = (await (await presigned).json()) as { key: string; upload: SignedUpload };
      const before = await app.storage.head(key);
      expect(before).toMatchObject({ size: original.length, contentType: "image/png" });
      const record = await (await app.storage.get("users/dave.json"))!.json<{ avatarKey: string }>();
      expect(record.avatarKey).toBe(key);

      // The exact request again, then the same URL with other bytes of the same size and type.
      const replacement = Buffer.from(original);
      replacement.fill(0xff, replacement.length - 20, replacement.length - 12);
      for (const bytes of [original, replacement]) {
        const replayed = await replay(upload, bytes, "image/png");
        expect(replayed.status, `${upload.method} replay answered ${replayed.status} ${replayed.body}`).toBeGreaterThanOrEqual(400);
        expect(replayed.status).toBeLessThan(500);
      }
      const after = await app.storage.head(key);
      expect(after?.etag).toBe(before!.etag);
      expect((await storedBytes(key)).equals(original)).toBe(true);
      expect(await imageWidth("#avatar")).toBe(64);

      // Once the object is deleted: a one-time URL (fs) stays spent; S3 has no one-time URLs,
      // so until it expires the create-only URL can create the key again (never replace it).
      await app.storage.delete(key);
      const afterDelete = await replay(upload, original, "image/png");
      if (provider.gateway) {
        expect(afterDelete.status, afterDelete.body).toBe(403);
        expect(JSON.parse(afterDelete.body)).toMatchObject({ error: { code: "AlreadyUsed" } });
        expect(await app.storage.head(key)).toBeNull();
      } else {
        expect(afterDelete.status, afterDelete.body).toBe(200);
      }
    });

    it("shows an error and offers to sign in again when Delete or Use as avatar runs after the session ended", async () => {
      await signIn("Erin");
      for (const name of ["one", "two"]) expect(await pick(`${name}.png`, "image/png", png(48, 48, [200, 100, 30]))).toBe(`Uploaded ${name}.png`);
      await page.reload();
      await page.waitForSelector("#gallery li:nth-child(2)");
      const keys = await page.$$eval("#gallery li", (items) => items.map((item) => (item as HTMLElement).dataset.key!));
      expect(keys).toHaveLength(2);
      pageProblems.length = 0;

      await context.clearCookies(); // the session is gone (expired, or signed out elsewhere)
      for (const [button, action] of [["use", "Use as avatar"], ["delete", "Delete"]] as const) {
        await page.evaluate(() => {
          document.getElementById("status")!.textContent = "";
        });
        await page.click(`#gallery li[data-key="${keys[1]}"] button.${button}`);
        await page.waitForFunction(() => (document.getElementById("status")!.textContent ?? "") !== "", null, { timeout: 10_000 });
        expect(await page.textContent("#status")).toBe(`${action} failed: your session has ended. Sign in again.`);
        expect(await page.isVisible("#status.error")).toBe(true);
        expect(await page.isVisible("#sign-in-again")).toBe(true);
      }
      expect(await app.storage.head(keys[1]!)).not.toBeNull();
      expect(await page.$$eval("#gallery li", (items) => items.length)).toBe(2);
      await page.waitForTimeout(200);
      expect(pageProblems).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { unhandled: string[] }).unhandled)).toEqual([]);

      // Signing in again from there works, and so does Delete.
      await page.click("#sign-in-again");
      await page.waitForSelector("#sign-in", { state: "visible" });
      await page.fill("#name", "Erin");
      await page.click("#sign-in button[type=submit]");
      await page.waitForSelector(`#gallery li[data-key="${keys[1]}"]`);
      await page.click(`#gallery li[data-key="${keys[1]}"] button.delete`);
      await page.waitForSelector(`#gallery li[data-key="${keys[1]}"]`, { state: "detached" });
      expect(await app.storage.head(keys[1]!)).toBeNull();
      expect(pageProblems).toEqual([]);
    });
  });
}
