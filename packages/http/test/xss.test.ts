// Stored XSS regression test in real Chromium (Debian's /usr/bin/chromium
// through playwright-core, never a downloaded browser).
//
// One node:http server is the app: its pages set a cookie scripts can read
// (not HttpOnly), and it mounts the signed-URL handler under /__storage on the
// same origin, the way apps do. Attackers upload HTML, SVG, XHTML and XML
// documents whose script reads document.cookie and reports it: it marks the
// document, posts a message to the embedding page, and calls a beacon URL on
// the app (fetch, sendBeacon, an image, and a navigation; the last is not
// subject to CSP fetch directives). Chromium then opens every served object
// top-level and inside an iframe, <object> and <embed> on an app page.
//
// Positive controls: the same documents served by the app without the
// handler's headers must run script and read the cookie, so the detection is
// shown to work in this browser (the test can fail).
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStorage, type SignGetOptions, type Storage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { createSignedUrlHandler } from "@stowage/http";
import { toNodeListener } from "@stowage/http/node";

const chromiumPath = "/usr/bin/chromium";
if (!existsSync(chromiumPath)) {
  throw new Error("Debian chromium is missing at /usr/bin/chromium: run scripts/system-deps.sh (apt-get install -y chromium); never npx playwright install");
}
const chromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const secrets = [{ id: "xss", secret: "xss-test-secret-0123456789abcdef012345" }];
const cookieValue = `s3cr3t${Math.random().toString(36).slice(2, 10)}`;

interface Beacon {
  id: string;
  via: string;
  cookieRead: string;
}

const beacons: Beacon[] = [];
let server: Server;
let origin: string;
let storage: Storage;
let context: BrowserContext;
let page: Page;
let profile: string;

// ---------------------------------------------------------------- payloads

/** Script that proves it ran and what cookie it read, through every channel it has. */
function payload(id: string): string {
  return `(function () {
  var c = "";
  try { c = String(document.cookie); } catch (e) { c = "error:" + e.name; }
  try { document.documentElement.setAttribute("data-ran", c || "(empty)"); } catch (e) {}
  var u = "/beacon?id=${id}&c=" + encodeURIComponent(c);
  try { fetch(u + "&via=fetch"); } catch (e) {}
  try { navigator.sendBeacon(u + "&via=sendBeacon"); } catch (e) {}
  try { new Image().src = u + "&via=img"; } catch (e) {}
  try { parent.postMessage("ran ${id} " + c, "*"); } catch (e) {}
  setTimeout(function () { try { location.href = u + "&via=navigation"; } catch (e) {} }, 60);
})();`;
}

type Kind = "html" | "svg" | "xhtml" | "xml" | "appxml";
const kinds: Record<Kind, string> = {
  html: "text/html",
  svg: "image/svg+xml",
  xhtml: "application/xhtml+xml",
  xml: "text/xml",
  appxml: "application/xml",
};

function documentFor(kind: Kind, id: string): string {
  const script = payload(id);
  switch (kind) {
    case "html":
      return `<!doctype html><html><head><title>html</title></head><body><p>html</p><script>${script}</script></body></html>`;
    case "svg":
      return `<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="20" height="20" fill="red"/><script><![CDATA[${script}]]></script></svg>`;
    case "xhtml":
      return `<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>xhtml</title></head><body><p>xhtml</p><script><![CDATA[${script}]]></script></body></html>`;
    case "xml":
    case "appxml":
      return `<?xml version="1.0"?><doc><x:script xmlns:x="http://www.w3.org/1999/xhtml"><![CDATA[${script}]]></x:script></doc>`;
  }
}

// ---------------------------------------------------------------- media

const crcTable = Array.from({ length: 256 }, (_, index) => {
  let value = index;
  for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
  return value >>> 0;
});

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "ascii"), data]);
  let crc = 0xffffffff;
  for (const byte of typed) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return Buffer.concat([length, typed, trailer]);
}

/** A grey RGB PNG. */
function png(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((width * 3 + 1) * height, 0x80);
  for (let y = 0; y < height; y++) rows[y * (width * 3 + 1)] = 0;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk("IHDR", header), pngChunk("IDAT", deflateSync(rows)), pngChunk("IEND", Buffer.alloc(0))]);
}

/** One second of an 8 kHz, 8-bit mono tone. */
function wav(): Buffer {
  const samples = 8000;
  const bytes = Buffer.alloc(44 + samples);
  bytes.write("RIFF", 0);
  bytes.writeUInt32LE(36 + samples, 4);
  bytes.write("WAVEfmt ", 8);
  bytes.writeUInt32LE(16, 16);
  bytes.writeUInt16LE(1, 20);
  bytes.writeUInt16LE(1, 22);
  bytes.writeUInt32LE(8000, 24);
  bytes.writeUInt32LE(8000, 28);
  bytes.writeUInt16LE(1, 32);
  bytes.writeUInt16LE(8, 34);
  bytes.write("data", 36);
  bytes.writeUInt32LE(samples, 40);
  for (let index = 0; index < samples; index++) bytes[44 + index] = 128 + Math.round(60 * Math.sin(index / 5));
  return bytes;
}

// ---------------------------------------------------------------- the app

function appPage(body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>app</title></head><body>
<script>window.__ran = []; addEventListener("message", function (event) { window.__ran.push(String(event.data)); });</script>
${body}</body></html>`;
}

const attribute = (value: string) => value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

beforeAll(async () => {
  let storageListener: ReturnType<typeof toNodeListener> | undefined;
  server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://app");
    if (url.pathname.startsWith("/__storage/")) return storageListener!(request, response);
    if (url.pathname === "/beacon") {
      beacons.push({ id: url.searchParams.get("id") ?? "", via: url.searchParams.get("via") ?? "", cookieRead: url.searchParams.get("c") ?? "" });
      response.writeHead(204).end();
      return;
    }
    const src = url.searchParams.get("src") ?? "";
    const html = (body: string) => response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(appPage(body));
    if (url.pathname === "/") {
      response.setHeader("set-cookie", `session=${cookieValue}; Path=/; SameSite=Lax`);
      return html("<h1>The app</h1>");
    }
    if (url.pathname === "/embed") {
      const s = attribute(src);
      return html(`<iframe src="${s}" width="200" height="100"></iframe><object data="${s}" width="200" height="100"></object><embed src="${s}" width="200" height="100">`);
    }
    if (url.pathname === "/img") return html(`<img id="image" src="${attribute(src)}">`);
    if (url.pathname === "/audio") return html(`<audio id="audio" preload="auto" src="${attribute(src)}"></audio>`);
    const control = /^\/control\/(\w+)$/.exec(url.pathname);
    if (control !== null && control[1]! in kinds) {
      // The attack as it worked before: the document served on the app's origin, no CSP, no disposition.
      const kind = control[1] as Kind;
      response.writeHead(200, { "content-type": kinds[kind] }).end(documentFor(kind, url.searchParams.get("id") ?? "control"));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  storage = createStorage(memoryDriver({ signing: { secrets, baseUrl: `${origin}/__storage` } }));
  storageListener = toNodeListener(createSignedUrlHandler(storage, { secrets, basePath: "/__storage" }));

  profile = await mkdtemp(join(tmpdir(), "stowage-xss-"));
  context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: chromiumArgs });
  page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${origin}/`);
  expect(await page.evaluate(() => document.cookie)).toBe(`session=${cookieValue}`);
}, 60_000);

afterAll(async () => {
  await context?.close();
  await new Promise<void>((resolve) => {
    if (server === undefined) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
  if (profile !== undefined) await rm(profile, { recursive: true, force: true });
});

// ---------------------------------------------------------------- looking

/** Every sign of script in the current page and its frames: the marker, a message, or a navigation to the beacon. */
async function signsOfScript(): Promise<string[]> {
  const signs: string[] = [];
  if (page.url().includes("/beacon")) signs.push(`navigated to ${page.url()}`);
  for (const frame of page.frames()) {
    const marker = await frame.evaluate(() => document.documentElement?.getAttribute("data-ran") ?? null).catch(() => null);
    if (marker !== null) signs.push(`marker in ${frame === page.mainFrame() ? "page" : "frame"}: ${marker}`);
  }
  const messages = await page.evaluate(() => (window as unknown as { __ran?: string[] }).__ran ?? []).catch(() => [] as string[]);
  for (const message of messages) signs.push(`message: ${message}`);
  return signs;
}

/** Opens `url` top-level, then on an app page in an iframe, an <object> and an <embed>; returns every sign of script. */
async function openEveryWay(url: string): Promise<string[]> {
  const signs: string[] = [];
  // A blank page first: an attachment does not replace the page (goto
  // rejects with "Download is starting"), so nothing of the last page may
  // remain to be mistaken for this one.
  await page.goto("about:blank");
  await page.goto(url, { waitUntil: "domcontentloaded", timeout: 5000 }).catch(() => undefined);
  await page.waitForTimeout(250);
  signs.push(...(await signsOfScript()).map((sign) => `top-level: ${sign}`));
  await page.goto(`${origin}/embed?src=${encodeURIComponent(url)}`, { waitUntil: "load", timeout: 5000 }).catch(() => undefined);
  await page.waitForTimeout(300);
  signs.push(...(await signsOfScript()).map((sign) => `embedded: ${sign}`));
  return signs;
}

async function upload(signed: { url: string; headers: Record<string, string> }, body: string, contentType: string | null): Promise<number> {
  const headers: Record<string, string> = { ...signed.headers };
  if (contentType !== null) headers["content-type"] = contentType;
  // A Uint8Array body: fetch adds no Content-Type of its own.
  const response = await fetch(signed.url, { method: "PUT", body: new TextEncoder().encode(body), headers });
  await response.arrayBuffer();
  return response.status;
}

// ---------------------------------------------------------------- tests

describe("stored XSS through the handler, in Chromium", () => {
  it("the positive controls run script and read the cookie when served without the handler's headers", async () => {
    for (const kind of Object.keys(kinds) as Kind[]) {
      const id = `control-${kind}`;
      const signs = await openEveryWay(`${origin}/control/${kind}?id=${id}`);
      await page.waitForTimeout(100);
      expect(signs.some((sign) => sign.startsWith("top-level")), `${kind}: ${signs.join("; ")}`).toBe(true);
      expect(signs.some((sign) => sign.startsWith("embedded")), `${kind}: ${signs.join("; ")}`).toBe(true);
      const read = beacons.filter((beacon) => beacon.id === id).map((beacon) => beacon.cookieRead);
      expect(read, kind).toContain(`session=${cookieValue}`);
    }
  }, 120_000);

  it("no uploaded document runs script or reads the cookie: type signed, unsigned, stored, lied about, signed inline", async () => {
    const problems: string[] = [];
    const opened: string[] = [];
    const downloads: string[] = [];
    page.on("download", (download) => downloads.push(download.url()));
    const look = async (label: string, url: string) => {
      opened.push(label);
      for (const sign of await openEveryWay(url)) problems.push(`${label}: ${sign}`);
    };

    for (const [kind, type] of Object.entries(kinds) as [Kind, string][]) {
      const id = (variant: string) => `${kind}-${variant}`;

      // The signer chose the active type: stored as is, served as an attachment under the sandbox.
      const signedKey = `uploads/${kind}-signed`;
      const signedPut = await storage.signPut(signedKey, { contentType: type });
      const status = await upload(signedPut, documentFor(kind, id("signed")), type);
      expect(status, `${kind} signed upload`).toBe(200);
      const plainGet = (await storage.signGet(signedKey)).url;
      await look(`${kind} signed`, plainGet);
      if (!downloads.includes(plainGet)) problems.push(`${kind} signed: top-level navigation did not download it`);
      // The signer opted in to inline: the sandbox still holds.
      await look(`${kind} signed, GET inline`, (await storage.signGet(signedKey, { inline: true })).url);

      // The uploader chose the type on an unsigned URL: refused.
      const unsignedKey = `uploads/${kind}-unsigned`;
      const unsignedStatus = await upload(await storage.signPut(unsignedKey), documentFor(kind, id("unsigned")), type);
      if (unsignedStatus !== 415) problems.push(`${kind} unsigned: upload answered ${unsignedStatus}, not 415`);
      if ((await storage.head(unsignedKey)) !== null) await look(`${kind} unsigned`, (await storage.signGet(unsignedKey)).url);

      // Stored with the active type by other means (app code, or before this fix), served as is.
      const storedKey = `uploads/${kind}-stored`;
      await storage.put(storedKey, documentFor(kind, id("stored")), { contentType: type });
      await look(`${kind} stored`, (await storage.signGet(storedKey)).url);

      // Lied about: signed image/png, the body is the document.
      const liedKey = `uploads/${kind}-lied`;
      expect(await upload(await storage.signPut(liedKey, { contentType: "image/png" }), documentFor(kind, id("lied")), "image/png")).toBe(200);
      await look(`${kind} lied (image/png)`, (await storage.signGet(liedKey)).url);
      await look(`${kind} lied (image/png), GET inline`, (await storage.signGet(liedKey, { inline: true })).url);
      // ... and served with the active type the signer asked for, inline.
      const responseType: SignGetOptions = { responseContentType: type, inline: true };
      await look(`${kind} lied, GET as ${type} inline`, (await storage.signGet(liedKey, responseType)).url);

      // No type at all: stored as application/octet-stream.
      const untypedKey = `uploads/${kind}-untyped`;
      expect(await upload(await storage.signPut(untypedKey), documentFor(kind, id("untyped")), null)).toBe(200);
      await look(`${kind} untyped`, (await storage.signGet(untypedKey)).url);
    }

    await page.waitForTimeout(300);
    for (const beacon of beacons.filter((hit) => !hit.id.startsWith("control-"))) {
      problems.push(`beacon ${beacon.id} via ${beacon.via}, cookie read: ${JSON.stringify(beacon.cookieRead)}`);
    }
    expect(opened.length).toBeGreaterThanOrEqual(35);
    if (problems.length > 0) console.log(`Script ran ${problems.length} times:\n${problems.join("\n")}`);
    expect(problems).toEqual([]);
  }, 300_000);

  it("a PNG is still shown: in an <img> on the app and opened top-level; an SVG attachment in an <img>; a WAV in an <audio>", async () => {
    const cspViolations: string[] = [];
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) cspViolations.push(message.text());
    });
    const pngKey = "media/grey.png";
    const signedPng = await storage.signPut(pngKey, { contentType: "image/png" });
    const pngResponse = await fetch(signedPng.url, { method: "PUT", body: new Uint8Array(png(7, 5)), headers: signedPng.headers });
    expect(pngResponse.status).toBe(200);
    const pngUrl = (await storage.signGet(pngKey)).url;

    await page.goto(`${origin}/img?src=${encodeURIComponent(pngUrl)}`);
    await page.waitForFunction(() => (document.getElementById("image") as HTMLImageElement).complete);
    expect(await page.evaluate(() => (document.getElementById("image") as HTMLImageElement).naturalWidth)).toBe(7);

    const navigation = await page.goto(pngUrl);
    expect(navigation?.status()).toBe(200);
    expect(navigation?.headers()["content-security-policy"]).toMatch(/^sandbox;/);
    await page.waitForFunction(() => document.images[0]?.complete === true);
    expect(await page.evaluate(() => [document.images[0]?.naturalWidth, document.images[0]?.naturalHeight])).toEqual([7, 5]);
    expect(cspViolations).toEqual([]);

    const svgKey = "media/square.svg";
    await storage.put(svgKey, '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="4"><rect width="9" height="4" fill="blue"/></svg>', {
      contentType: "image/svg+xml",
    });
    const svgUrl = (await storage.signGet(svgKey)).url;
    expect((await fetch(svgUrl)).headers.get("content-disposition")).toBe("attachment");
    await page.goto(`${origin}/img?src=${encodeURIComponent(svgUrl)}`);
    await page.waitForFunction(() => (document.getElementById("image") as HTMLImageElement).complete);
    expect(await page.evaluate(() => (document.getElementById("image") as HTMLImageElement).naturalWidth)).toBe(9);

    const wavKey = "media/tone.wav";
    await storage.put(wavKey, wav(), { contentType: "audio/wav" });
    await page.goto(`${origin}/audio?src=${encodeURIComponent((await storage.signGet(wavKey)).url)}`);
    await page.waitForFunction(() => (document.getElementById("audio") as HTMLAudioElement).readyState >= 1, undefined, { timeout: 10_000 });
    expect(await page.evaluate(() => (document.getElementById("audio") as HTMLAudioElement).duration)).toBeCloseTo(1, 1);
  }, 120_000);
});
