// The portable upload flow, end to end in Debian Chromium, as a suite any
// backend registers unchanged:
//
//   describeUploadFlow({ name: "fs", start: async () => ({ baseUrl, stop }) });
//
// It drives the app only through its page and its HTTP API, so it runs the
// same against the Node upload app (fs, memory, S3) and the Worker example
// (R2). What the app at `baseUrl` must offer (src/upload-app.ts and
// src/browser/app.ts are the reference):
//   - POST /api/login { name }                       → session cookie
//   - POST /api/uploads/presign { filename, contentType, size, expiresIn? }
//       → { key, upload, expect? } (a SignedUpload, and what was signed for
//         uploadToSignedUrl's `expect`); 413 TooLarge over the limit,
//         415 NotAnImage for a non-image; `expiresIn` may only shorten the URL
//   - POST /api/uploads/commit { key, size?, etag?, contentType? }
//       → { item: { key, size, etag, contentType } }, or a JSON error
//   - the page: #sign-in form with #name, #file input, #status text
//     ("Uploaded <name>" or "Refused…"/"The storage refused…"), #avatar img,
//     and `window.uploadToSignedUrl` (from @stowage/client).
//
// Every case asserts the same typed client error code (UploadError.code) and
// the same success fields (an unquoted etag, the size) on every backend. A
// backend that cannot give the browser a readable answer for a case declares
// it in `limitations`, with the reason: the suite then asserts exactly that
// outcome (so it fails, and the limitation must go, once the backend changes),
// and the results table shows it. Nothing is skipped silently.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** The cases the suite runs, each a row of the results table. */
export const uploadFlowCases = ["happy path", "too large", "wrong type", "create-only replay", "expired URL", "tampered URL"] as const;
export type UploadFlowCase = (typeof uploadFlowCases)[number];

/** The typed client error code each failure case must give. */
export const expectedUploadErrors: Readonly<Record<Exclude<UploadFlowCase, "happy path">, string>> = {
  "too large": "TooLarge",
  "wrong type": "ContentTypeMismatch",
  "create-only replay": "AlreadyExists",
  "expired URL": "Expired",
  "tampered URL": "BadSignature",
};

export interface RunningUploadFlowApp {
  /** Where the app's page and API are, such as `http://127.0.0.1:34567`. */
  baseUrl: string;
  stop(): Promise<void>;
}

export interface UploadFlowTarget {
  /** The backend's name in test titles and the results table: "fs", "memory", "s3 (Ceph RGW)", "r2 (Worker)". */
  name: string;
  /** Starts the app on this backend. */
  start(): Promise<RunningUploadFlowApp>;
  /** Why this backend cannot run here; the suite is then reported as skipped with this reason (never under CI=true). */
  unavailable?: string;
  /**
   * A case this backend answers differently, with the reason (a documented
   * backend limitation): the code the page gets instead. Asserted exactly.
   */
  limitations?: Partial<Record<Exclude<UploadFlowCase, "happy path">, { code: string; reason: string }>>;
  /** The largest upload the app accepts. Default 5 MiB (the upload app's limit). */
  maxBytes?: number;
}

/** One row of results: what the page saw. */
export interface UploadFlowResult {
  case: UploadFlowCase;
  /** `ok` for a success, else the UploadError code the page got. */
  outcome: string;
  /** The UploadError status (0: no readable answer), or the upload's status on success. */
  status: number;
  /** Set when the outcome is a declared limitation. */
  limitation?: string;
  /** The client refused before sending anything (the same code on every backend by construction). */
  checkedLocally?: boolean;
  detail?: string;
}

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
/** Where the results land (gitignored): one JSON per backend, and the tables. */
export const artifactsDir = here("../../../artifacts");
const resultsDir = join(artifactsDir, "upload-flow");
const chromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** What the page reports for one upload attempt. */
interface Attempt {
  key: string;
  presignStatus: number;
  presignCode?: string;
  ok: boolean;
  status: number;
  code?: string;
  message?: string;
  /** The client refused before sending (the file could not match what was signed). */
  checkedLocally?: boolean;
  result?: { etag?: unknown; size?: unknown; status?: unknown };
}

/** A small valid PNG (solid colour), `width`² pixels. */
export function png(width: number, color: [number, number, number] = [40, 120, 200]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, index) => {
    let value = index;
    for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
    return value >>> 0;
  });
  const crc32 = (bytes: Buffer): number => {
    let crc = 0xffffffff;
    for (const byte of bytes) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(width, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((width * 3 + 1) * width);
  for (let y = 0; y < width; y++) for (let x = 0; x < width; x++) rows.set(color, y * (width * 3 + 1) + 1 + x * 3);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", header), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}

/** Registers the upload-flow suite for one backend. */
export function describeUploadFlow(target: UploadFlowTarget): void {
  if (!existsSync("/usr/bin/chromium")) {
    throw new Error("Debian chromium is missing at /usr/bin/chromium: apt-get install -y chromium (never npx playwright install)");
  }
  if (target.unavailable !== undefined && process.env.CI === "true") {
    throw new Error(`CI=true: the upload flow on ${target.name} must not be skipped (${target.unavailable})`);
  }
  const describeTarget = target.unavailable === undefined ? describe : describe.skip;
  describeTarget(`upload flow on ${target.name}${target.unavailable ? ` [skipped: ${target.unavailable}]` : ""}`, () => {
    let app: RunningUploadFlowApp;
    let profile: string;
    let context: BrowserContext;
    let page: Page;
    const results: UploadFlowResult[] = [];
    const maxBytes = target.maxBytes ?? 5 * 1024 * 1024;

    beforeAll(async () => {
      app = await target.start();
      profile = await mkdtemp(join(tmpdir(), "stowage-upload-flow-chromium-"));
      context = await chromium.launchPersistentContext(profile, { executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
      page = context.pages()[0] ?? (await context.newPage());
      await page.goto(app.baseUrl);
      await page.fill("#name", `flow${Date.now().toString(36)}`);
      await page.click("#sign-in button[type=submit]");
      await page.waitForSelector("#account", { state: "visible" });
    });

    afterAll(async () => {
      await context?.close();
      await app?.stop();
      if (profile) await rm(profile, { recursive: true, force: true });
      if (results.length > 0) await writeResults(target.name, results);
    });

    /** Runs in the page: presign `declared`, then upload `bytes` bytes of `blobType`, after `mutate` (tampering) and `waitMs`. */
    async function attempt(options: {
      declared: { filename: string; contentType: string; size: number; expiresIn?: number };
      bytes?: number;
      blobType?: string;
      tamper?: boolean;
      waitMs?: number;
      content?: number[];
      repeat?: boolean;
    }): Promise<Attempt & { second?: Attempt }> {
      return page.evaluate(async (options) => {
        type Hooks = { uploadToSignedUrl: (signed: unknown, file: Blob, options?: { expect?: unknown }) => Promise<{ etag?: unknown; size?: unknown; status?: unknown }> };
        const hooks = window as unknown as Hooks;
        const presigned = await fetch("/api/uploads/presign", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(options.declared) });
        const body = (await presigned.json()) as { key?: string; upload?: { url: string; method: string }; expect?: unknown; error?: { code?: string } };
        if (!presigned.ok || body.upload === undefined) {
          return { key: "", presignStatus: presigned.status, presignCode: body.error?.code, ok: false, status: 0 };
        }
        const upload = body.upload;
        if (options.tamper) {
          // One character of the signature (S3: X-Amz-Signature; the HMAC signer: sig).
          upload.url = upload.url.replace(/([?&](?:X-Amz-Signature|sig)=)(.)/, (_all, name: string, first: string) => `${name}${first === "a" ? "b" : "a"}`);
        }
        if (options.waitMs) await new Promise((resolve) => setTimeout(resolve, options.waitMs));
        const bytes = options.content ? new Uint8Array(options.content) : new Uint8Array(options.bytes ?? options.declared.size).fill(7);
        const send = async () => {
          try {
            // As the page does: pass what the server says it signed (`expect`).
            const result = await hooks.uploadToSignedUrl(upload, new Blob([bytes], { type: options.blobType ?? options.declared.contentType }), body.expect === undefined ? {} : { expect: body.expect });
            return { ok: true, status: Number(result.status ?? 200), result: { etag: result.etag, size: result.size, status: result.status } };
          } catch (error) {
            const failure = error as { status?: number; code?: string; message?: string; checkedLocally?: boolean };
            return { ok: false, status: failure.status ?? -1, code: failure.code, message: failure.message, checkedLocally: failure.checkedLocally === true };
          }
        };
        const first = await send();
        const outcome = { key: body.key!, presignStatus: presigned.status, ...first };
        if (!options.repeat) return outcome;
        return { ...outcome, second: { key: body.key!, presignStatus: presigned.status, ...(await send()) } };
      }, options);
    }

    /** Commits from the page; the status and body the app answered. */
    async function commit(body: Record<string, unknown>): Promise<{ status: number; body: { item?: { key: string; size: number; etag: string; contentType: string }; error?: { code: string } } }> {
      return page.evaluate(async (body) => {
        const response = await fetch("/api/uploads/commit", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        return { status: response.status, body: await response.json() };
      }, body);
    }

    /** Asserts a refused upload: the typed code (or the declared limitation), and nothing committed under the key. */
    async function expectRefused(name: Exclude<UploadFlowCase, "happy path">, outcome: Attempt) {
      const limitation = target.limitations?.[name];
      const expected = limitation?.code ?? expectedUploadErrors[name];
      results.push({
        case: name,
        outcome: outcome.ok ? "ok" : String(outcome.code),
        status: outcome.status,
        ...(limitation ? { limitation: limitation.reason } : {}),
        ...(outcome.checkedLocally ? { checkedLocally: true } : {}),
        ...(outcome.message ? { detail: outcome.message } : {}),
      });
      expect(outcome.presignStatus, JSON.stringify(outcome)).toBe(200);
      expect(outcome.ok, JSON.stringify(outcome)).toBe(false);
      expect(outcome.code, JSON.stringify(outcome)).toBe(expected);
      const committed = await commit({ key: outcome.key });
      expect(committed.status, JSON.stringify(committed)).toBe(404);
    }

    it("happy path: the page uploads a PNG, gets an unquoted etag and the size, commits and shows it", async () => {
      const image = png(32);
      await page.setInputFiles("#file", { name: "happy.png", mimeType: "image/png", buffer: image });
      await page.waitForFunction(() => /^(Uploaded|Refused|The storage refused)/.test(document.getElementById("status")!.textContent ?? ""), null, { timeout: 30_000 });
      expect(await page.textContent("#status")).toBe("Uploaded happy.png");
      await page.waitForFunction(() => {
        const avatar = document.getElementById("avatar") as HTMLImageElement;
        return !avatar.hidden && avatar.complete && avatar.naturalWidth > 0;
      });
      expect(await page.$eval("#avatar", (avatar) => (avatar as HTMLImageElement).naturalWidth)).toBe(32);

      // The same flow, step by step: the success fields and the commit's view of the object agree.
      const content = [...png(16, [200, 30, 30])];
      const uploaded = await attempt({ declared: { filename: "steps.png", contentType: "image/png", size: content.length }, content });
      results.push({ case: "happy path", outcome: uploaded.ok ? "ok" : String(uploaded.code), status: uploaded.status, detail: `etag ${String(uploaded.result?.etag)}, size ${String(uploaded.result?.size)}` });
      expect(uploaded.ok, JSON.stringify(uploaded)).toBe(true);
      const etag = uploaded.result!.etag;
      expect(typeof etag, JSON.stringify(uploaded)).toBe("string");
      expect(etag as string).not.toMatch(/["]/); // unquoted, as head() reports it
      expect((etag as string).length).toBeGreaterThan(0);
      expect(uploaded.result!.size).toBe(content.length);
      const committed = await commit({ key: uploaded.key, size: content.length, etag, contentType: "image/png" });
      expect(committed.status, JSON.stringify(committed)).toBe(200);
      expect(committed.body.item).toMatchObject({ key: uploaded.key, size: content.length, etag, contentType: "image/png" });
      // A commit that reports another etag or size is refused (the object is not what the client uploaded).
      expect((await commit({ key: uploaded.key, size: content.length + 1, etag, contentType: "image/png" })).status).toBe(412);
      expect((await commit({ key: uploaded.key, size: content.length, etag: "0".repeat(32), contentType: "image/png" })).status).toBe(412);
    });

    it("too large: the app refuses a declared size over its limit, and the storage refuses more bytes than were signed", async () => {
      const declared = await attempt({ declared: { filename: "big.png", contentType: "image/png", size: maxBytes + 1 } });
      expect(declared).toMatchObject({ presignStatus: 413, presignCode: "TooLarge" });
      const lying = await attempt({ declared: { filename: "small.png", contentType: "image/png", size: 1000 }, bytes: 2000 });
      await expectRefused("too large", lying);
    });

    it("wrong type: the app refuses a non-image, and the storage refuses another type than was signed", async () => {
      const declared = await attempt({ declared: { filename: "notes.txt", contentType: "text/plain", size: 10 } });
      expect(declared).toMatchObject({ presignStatus: 415, presignCode: "NotAnImage" });
      const lying = await attempt({ declared: { filename: "photo.png", contentType: "image/png", size: 100 }, blobType: "image/jpeg" });
      await expectRefused("wrong type", lying);
    });

    it("create-only replay: the same URL again is refused and the stored object is unchanged", async () => {
      const content = [...png(8, [10, 200, 10])];
      const sent = await attempt({ declared: { filename: "once.png", contentType: "image/png", size: content.length }, content, repeat: true });
      expect(sent.ok, JSON.stringify(sent)).toBe(true);
      const committed = await commit({ key: sent.key, size: content.length, etag: sent.result!.etag, contentType: "image/png" });
      expect(committed.status, JSON.stringify(committed)).toBe(200);
      const replay = sent.second!;
      const limitation = target.limitations?.["create-only replay"];
      results.push({ case: "create-only replay", outcome: replay.ok ? "ok" : String(replay.code), status: replay.status, ...(limitation ? { limitation: limitation.reason } : {}), ...(replay.message ? { detail: replay.message } : {}) });
      expect(replay.ok, JSON.stringify(replay)).toBe(false);
      expect(replay.code, JSON.stringify(replay)).toBe(limitation?.code ?? expectedUploadErrors["create-only replay"]);
      const again = await commit({ key: sent.key, size: content.length, etag: sent.result!.etag, contentType: "image/png" });
      expect(again.status, JSON.stringify(again)).toBe(200);
      expect(again.body.item?.etag).toBe(committed.body.item?.etag);
    });

    it("expired URL: an upload after the URL's expiry is refused", async () => {
      const late = await attempt({ declared: { filename: "late.png", contentType: "image/png", size: 100, expiresIn: 1 }, waitMs: 2500 });
      await expectRefused("expired URL", late);
    });

    it("tampered URL: one character of the signature changed is refused", async () => {
      const tampered = await attempt({ declared: { filename: "forged.png", contentType: "image/png", size: 100 }, tamper: true });
      await expectRefused("tampered URL", tampered);
    });
  });
}

async function writeResults(backend: string, results: UploadFlowResult[]): Promise<void> {
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `${backend.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "")}.json`);
  await writeFile(file, JSON.stringify({ backend, ranAt: new Date().toISOString(), results }, null, 2));
  await writeUploadFlowTable();
}

/** Rebuilds artifacts/upload-flow.md from every backend's results file (the table for the issue's closing note). */
export async function writeUploadFlowTable(): Promise<string> {
  const files = existsSync(resultsDir) ? (await readdir(resultsDir)).filter((name) => name.endsWith(".json")).sort() : [];
  const runs = await Promise.all(files.map(async (name) => JSON.parse(await readFile(join(resultsDir, name), "utf8")) as { backend: string; ranAt: string; results: UploadFlowResult[] }));
  const lines = [
    "# Upload flow in Chromium: what the page got, per backend",
    "",
    "Generated by examples/upload-app/test/upload-flow-suite.ts from the last run on each backend. `ok` is a success; otherwise the `UploadError.code` the page read (status in brackets, 0 = no readable answer).",
    "",
    `| case | expected | ${runs.map((run) => run.backend).join(" | ")} |`,
    `|---|---|${runs.map(() => "---|").join("")}`,
  ];
  const notes: string[] = [];
  for (const name of uploadFlowCases) {
    const expected = name === "happy path" ? "ok (unquoted etag, size)" : expectedUploadErrors[name];
    const cells = runs.map((run) => {
      const result = run.results.find((entry) => entry.case === name);
      if (result === undefined) return "not run";
      let cell = `${result.outcome} (${result.status}${result.checkedLocally ? ", checked in the browser before sending" : ""})`;
      if (result.limitation !== undefined) {
        notes.push(`${run.backend}, ${name}: ${result.limitation}`);
        cell += ` ⚠︎${notes.length}`;
      }
      return cell;
    });
    lines.push(`| ${name} | ${expected} | ${cells.join(" | ")} |`);
  }
  if (notes.length > 0) lines.push("", "Declared backend limitations (asserted exactly):", "", ...notes.map((note, index) => `${index + 1}. ${note}`));
  lines.push("", `Runs: ${runs.map((run) => `${run.backend} at ${run.ranAt}`).join("; ")}`, "");
  const text = lines.join("\n");
  await mkdir(artifactsDir, { recursive: true });
  await writeFile(join(artifactsDir, "upload-flow.md"), text);
  return text;
}
