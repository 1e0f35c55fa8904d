// One browser-facing result on every backend: uploadToSignedUrl in Debian
// Chromium against the real @stowage/http handler (fs driver, HMAC URLs, a
// cross-origin page) and against Ceph RGW (presigned PUT and POST policy,
// bucket CORS set with PutBucketCorsCommand). Each failure must give the same
// UploadErrorCode on both, and success the same fields.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { createStorage, type SignedRequest, type SignPutOptions, type Storage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { createSignedUrlHandler } from "@stowage/http";
import { toNodeListener } from "@stowage/http/node";
import { s3Driver } from "@stowage/s3";
import { build } from "esbuild";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {} from "../../s3/test/rgw-global-setup.ts"; // its ProvidedContext declaration
import { s3Environment } from "../../s3/test/s3-test-environment.ts";

if (!existsSync("/usr/bin/chromium")) {
  throw new Error("Debian chromium is missing at /usr/bin/chromium: run scripts/system-deps.sh (apt-get install -y chromium); never npx playwright install");
}
const environment = s3Environment();
if (environment === null && process.env.CI === "true") throw new Error("CI=true but no Ceph RGW for the client's S3 tests");

const secrets = [{ id: "k1", secret: "a-test-secret-that-is-long-enough-32b" }];
/** Signs as if ten minutes ago, so a 60 s URL is already expired. */
const pastClock = () => Date.now() - 10 * 60_000;

let pageServer: Server;
let handlerServer: Server;
let pageOrigin: string;
let context: BrowserContext;
let page: Page;
let profile: string;
let root: string;
let fsStorage: Storage;
let fsPastStorage: Storage;
let s3Storage: Storage | undefined;
let s3PastStorage: Storage | undefined;
let s3Client: S3Client | undefined;
const bucket = `stowage-client-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  const entry = fileURLToPath(new URL("../src/index.ts", import.meta.url));
  const clientCode = (await build({ entryPoints: [entry], bundle: true, format: "esm", write: false, target: "es2022" })).outputFiles[0]!.text;
  pageServer = createServer((request, response) => {
    if (request.url === "/client.js") {
      response.setHeader("content-type", "text/javascript");
      response.end(clientCode);
      return;
    }
    response.setHeader("content-type", "text/html");
    response.end(`<!doctype html><script type="module">import * as client from "/client.js"; window.client = client;</script>`);
  });
  pageOrigin = await listen(pageServer);

  // The handler on another origin, as an app's file host would be.
  root = await mkdtemp(join(tmpdir(), "stowage-client-codes-"));
  handlerServer = createServer();
  const handlerOrigin = await listen(handlerServer);
  const signing = { secrets, baseUrl: `${handlerOrigin}/__storage` };
  fsStorage = createStorage(fsDriver({ root, signing }));
  fsPastStorage = createStorage(fsDriver({ root, signing }), { clock: pastClock });
  const handler = createSignedUrlHandler(fsStorage, { secrets, basePath: "/__storage", cors: { origins: [pageOrigin] } });
  handlerServer.on("request", toNodeListener(handler));

  if (environment !== null) {
    s3Client = new S3Client({
      region: environment.region,
      endpoint: environment.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: environment.accessKeyId, secretAccessKey: environment.secretAccessKey },
    });
    await s3Client.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3Client.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [{ AllowedOrigins: [pageOrigin], AllowedMethods: ["PUT", "POST", "GET", "HEAD"], AllowedHeaders: ["*"], ExposeHeaders: ["ETag"], MaxAgeSeconds: 60 }],
        },
      }),
    );
    const driver = () =>
      s3Driver({
        bucket,
        region: environment.region,
        endpoint: environment.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: environment.accessKeyId, secretAccessKey: environment.secretAccessKey },
        profile: "ceph-rgw",
      });
    s3Storage = createStorage(driver());
    s3PastStorage = createStorage(driver(), { clock: pastClock });
  }

  profile = await mkdtemp(join(tmpdir(), "stowage-client-codes-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = context.pages()[0] ?? (await context.newPage());
  await page.goto(pageOrigin);
  await page.waitForFunction(() => "client" in window);
}, 120_000);

afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => pageServer?.close(resolve));
  await new Promise((resolve) => handlerServer?.close(resolve));
  if (profile) await rm(profile, { recursive: true, force: true });
  if (root) await rm(root, { recursive: true, force: true });
  if (s3Client !== undefined) {
    const listed = await s3Client.send(new ListObjectsV2Command({ Bucket: bucket }));
    for (const object of listed.Contents ?? []) await s3Client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key! }));
    await s3Client.send(new DeleteBucketCommand({ Bucket: bucket }));
    s3Client.destroy();
  }
});

interface Outcome {
  ok: boolean;
  status?: number;
  etag?: string;
  size?: number;
  name?: string;
  code?: string;
  serverCode?: string;
  checkedLocally?: boolean;
  message?: string;
}

/** Uploads `size` bytes with the given Blob type from the page; the signed request goes through JSON as an app's would. */
async function upload(signed: SignedRequest | Record<string, unknown>, size: number, type: string, options: { checkFirst?: boolean; expect?: Record<string, unknown> } = {}): Promise<Outcome> {
  const json = JSON.parse(JSON.stringify(signed)) as unknown;
  return page.evaluate(
    async ({ json, size, type, options }) => {
      const bytes = new Uint8Array(size);
      for (let index = 0; index < size; index++) bytes[index] = (index * 7) % 251;
      const { uploadToSignedUrl } = (window as unknown as { client: typeof import("../src/index.js") }).client;
      try {
        const result = await uploadToSignedUrl(json as never, new File([bytes], "f.bin", { type }), options as never);
        return { ok: true, status: result.status, etag: result.etag, size: result.size };
      } catch (error) {
        const failure = error as { name: string; message: string; status?: number; code?: string; serverCode?: string; checkedLocally?: boolean };
        return {
          ok: false,
          name: failure.name,
          status: failure.status,
          code: failure.code,
          serverCode: failure.serverCode,
          checkedLocally: failure.checkedLocally,
          message: failure.message,
        };
      }
    },
    { json, size, type, options },
  );
}

function tamperSignature(signed: SignedRequest): SignedRequest {
  const flip = (value: string) => value.slice(0, -1) + (value.endsWith("0") ? "1" : "0");
  if (signed.method === "POST" && signed.fields !== undefined) {
    return { ...signed, fields: { ...signed.fields, "X-Amz-Signature": flip(signed.fields["X-Amz-Signature"]!) } };
  }
  const url = new URL(signed.url);
  for (const name of ["sig", "X-Amz-Signature"]) {
    const value = url.searchParams.get(name);
    if (value !== null) url.searchParams.set(name, flip(value));
  }
  return { ...signed, url: url.href };
}

interface Backend {
  name: string;
  storage: () => Storage;
  past: () => Storage;
}

const backends: Backend[] = [
  { name: "handler (fs)", storage: () => fsStorage, past: () => fsPastStorage },
];
if (environment !== null) backends.push({ name: "s3 (ceph-rgw)", storage: () => s3Storage!, past: () => s3PastStorage! });

let counter = 0;
const freshKey = (label: string) => `client-codes/${label}-${Date.now()}-${counter++}.png`;

const codeCases: { name: string; run: (backend: Backend) => Promise<Outcome> }[] = [
  {
    name: "too large for an exact size (checked first)",
    run: async (backend) => upload(await backend.storage().signPut(freshKey("big-exact"), { contentType: "image/png", size: 10 }), 20, "image/png", { expect: { size: 10 } }),
  },
  {
    name: "too large for maxSize (the server's answer)",
    run: async (backend) => upload(await backend.storage().signPut(freshKey("big-max"), { contentType: "image/png", maxSize: 10 }), 20, "image/png", { checkFirst: false }),
  },
  {
    name: "too large for maxSize (checked first)",
    run: async (backend) => upload(await backend.storage().signPut(freshKey("big-max-local"), { contentType: "image/png", maxSize: 10 }), 20, "image/png"),
  },
  {
    name: "wrong type (checked first)",
    run: async (backend) => upload(await backend.storage().signPut(freshKey("type"), { contentType: "image/png", size: 10 }), 10, "text/plain"),
  },
  {
    name: "create-only replay",
    run: async (backend) => {
      const signed = await backend.storage().signPut(freshKey("replay"), { contentType: "image/png", size: 10, ifNotExists: true });
      const first = await upload(signed, 10, "image/png");
      expect(first.ok, JSON.stringify(first)).toBe(true);
      return upload(signed, 10, "image/png");
    },
  },
  {
    name: "expired",
    run: async (backend) => upload(await backend.past().signPut(freshKey("expired"), { contentType: "image/png", size: 10, expiresIn: 60 }), 10, "image/png"),
  },
  {
    name: "expired POST policy",
    run: async (backend) => upload(await backend.past().signPut(freshKey("expired-post"), { contentType: "image/png", maxSize: 100, expiresIn: 60 }), 10, "image/png"),
  },
];

const expectedCodes: Record<string, string> = {
  "too large for an exact size (checked first)": "TooLarge",
  "too large for maxSize (the server's answer)": "TooLarge",
  "too large for maxSize (checked first)": "TooLarge",
  "wrong type (checked first)": "ContentTypeMismatch",
  "create-only replay": "AlreadyExists",
  expired: "Expired",
  "expired POST policy": "Expired",
};

describe("uploadToSignedUrl: the same codes on every backend", () => {
  for (const backend of backends) {
    describe(backend.name, () => {
      it("a successful upload reports status, the unquoted etag that head() reports, and the size", async () => {
        for (const options of [{ size: 1000, ifNotExists: true }, { maxSize: 5000 }] as SignPutOptions[]) {
          const key = freshKey("ok");
          const signed = await backend.storage().signPut(key, { contentType: "image/png", ...options });
          const outcome = await upload(signed, 1000, "image/png");
          expect(outcome, `${signed.method} ${JSON.stringify(options)}`).toMatchObject({ ok: true, size: 1000 });
          const info = await backend.storage().head(key);
          expect(info?.size).toBe(1000);
          expect(outcome.etag).toBe(info!.etag);
          expect(outcome.etag).not.toMatch(/"/);
          expect(outcome.status! >= 200 && outcome.status! < 300).toBe(true);
        }
      });

      for (const testCase of codeCases) {
        it(`${testCase.name} → ${expectedCodes[testCase.name]}`, async () => {
          const outcome = await testCase.run(backend);
          expect(outcome, JSON.stringify(outcome)).toMatchObject({ ok: false, name: "UploadError", code: expectedCodes[testCase.name] });
        });
      }
    });
  }
});

describe("uploadToSignedUrl: the handler's answers", () => {
  it("maps each JSON error to its code, with status and serverCode kept", async () => {
    const storage = fsStorage;
    const tooLarge = await upload(await storage.signPut(freshKey("h-big"), { size: 10 }), 20, "", { checkFirst: false });
    expect(tooLarge).toMatchObject({ code: "TooLarge", status: 413, serverCode: "TooLarge", checkedLocally: false });
    const small = await upload(await storage.signPut(freshKey("h-small"), { size: 10 }), 5, "", { checkFirst: false });
    expect(small).toMatchObject({ code: "SizeMismatch", status: 400, serverCode: "SizeMismatch" });
    const typed = await storage.signPut(freshKey("h-type"), { contentType: "image/png" });
    const wrongType = await upload({ ...typed, headers: { "content-type": "text/plain" } }, 10, "", { checkFirst: false });
    expect(wrongType).toMatchObject({ code: "ContentTypeMismatch", status: 403, serverCode: "ContentTypeMismatch" });
    const key = freshKey("h-exists");
    await storage.put(key, "x");
    const exists = await upload(await storage.signPut(key, { ifNotExists: true }), 10, "");
    expect(exists).toMatchObject({ code: "AlreadyExists", status: 409, serverCode: "AlreadyExists" });
    const once = await storage.signPut(freshKey("h-once"), { oneTime: true });
    expect(await upload(once, 10, "")).toMatchObject({ ok: true });
    expect(await upload(once, 10, "")).toMatchObject({ code: "AlreadyUsed", status: 403, serverCode: "AlreadyUsed" });
    const expired = await upload(await fsPastStorage.signPut(freshKey("h-expired"), { expiresIn: 60 }), 10, "");
    expect(expired).toMatchObject({ code: "Expired", status: 403, serverCode: "Expired" });
    const tampered = await upload(tamperSignature(await storage.signPut(freshKey("h-tampered"), {})), 10, "");
    expect(tampered).toMatchObject({ code: "BadSignature", status: 403, serverCode: "InvalidSignature" });
  });

  it("checks the file against the handler URL's size, max-size and type before sending", async () => {
    const storage = fsStorage;
    const key = freshKey("h-local");
    expect(await upload(await storage.signPut(key, { size: 10 }), 11, "")).toMatchObject({ code: "TooLarge", status: 0, checkedLocally: true });
    expect(await upload(await storage.signPut(key, { size: 10 }), 9, "")).toMatchObject({ code: "SizeMismatch", status: 0, checkedLocally: true });
    expect(await upload(await storage.signPut(key, { maxSize: 10 }), 11, "")).toMatchObject({ code: "TooLarge", status: 0, checkedLocally: true });
    expect(await upload(await storage.signPut(key, { contentType: "image/png" }), 10, "image/jpeg")).toMatchObject({
      code: "ContentTypeMismatch",
      status: 0,
      checkedLocally: true,
    });
    expect(await storage.head(key)).toBeNull();
    // A file without a type is sent with the signed one.
    expect(await upload(await storage.signPut(key, { contentType: "image/png" }), 10, "")).toMatchObject({ ok: true });
    expect((await storage.head(key))?.contentType).toBe("image/png");
  });
});

describe.runIf(environment !== null)("uploadToSignedUrl: Ceph RGW's answers", () => {
  it("a POST policy's refusals carry CORS headers and map to their codes", async () => {
    const storage = s3Storage!;
    const big = await upload(await storage.signPut(freshKey("s-big"), { contentType: "image/png", maxSize: 10 }), 20, "image/png", { checkFirst: false });
    expect(big).toMatchObject({ code: "TooLarge", status: 400, serverCode: "EntityTooLarge" });
    const typed = await storage.signPut(freshKey("s-type"), { contentType: "image/png", maxSize: 100 });
    const wrongType = await upload({ ...typed, fields: { ...typed.fields, "Content-Type": "text/plain" } }, 10, "", { checkFirst: false });
    expect(wrongType).toMatchObject({ code: "ContentTypeMismatch", status: 403, serverCode: "AccessDenied" });
    expect(wrongType.message).toContain("Policy condition failed");
    const expired = await upload(await s3PastStorage!.signPut(freshKey("s-expired"), { maxSize: 100, expiresIn: 60 }), 10, "", { checkFirst: false });
    expect(expired).toMatchObject({ code: "Expired", status: 403, serverCode: "AccessDenied" });
    const tampered = await upload(tamperSignature(await storage.signPut(freshKey("s-tampered"), { maxSize: 100 })), 10, "");
    expect(tampered).toMatchObject({ code: "BadSignature", status: 403, serverCode: "AccessDenied" });
  });

  it("a presigned PUT's create-only refusal carries CORS headers: 412 PreconditionFailed is AlreadyExists", async () => {
    const key = freshKey("s-exists");
    await s3Storage!.put(key, "x");
    const exists = await upload(await s3Storage!.signPut(key, { ifNotExists: true, size: 10 }), 10, "");
    expect(exists).toMatchObject({ code: "AlreadyExists", status: 412, serverCode: "PreconditionFailed" });
  });

  it("a presigned PUT's signature refusals carry no CORS headers, even with a matching rule: the page sees status 0", async () => {
    const storage = s3Storage!;
    // Tampered: RGW answers 403 SignatureDoesNotMatch without Access-Control-Allow-Origin.
    const tampered = await upload(tamperSignature(await storage.signPut(freshKey("s-put-tampered"), { size: 10 })), 10, "");
    expect(tampered).toMatchObject({ code: "Network", status: 0 });
    expect(tampered.message).toContain("CORS");
    // A wrong size or type sent anyway is the same unreadable 403.
    const big = await upload(await storage.signPut(freshKey("s-put-big"), { size: 10 }), 20, "", { checkFirst: false });
    expect(big).toMatchObject({ code: "Network", status: 0 });
    const typed = await storage.signPut(freshKey("s-put-type"), { contentType: "image/png", size: 10 });
    const wrongType = await upload({ ...typed, headers: { "content-type": "text/plain" } }, 10, "", { checkFirst: false });
    expect(wrongType).toMatchObject({ code: "Network", status: 0 });
    // Expired: a 403 AccessDenied just as unreadable; the client reads the expiry from the URL.
    const expired = await upload(await s3PastStorage!.signPut(freshKey("s-put-expired"), { size: 10, expiresIn: 60 }), 10, "");
    expect(expired).toMatchObject({ code: "Expired", status: 0, checkedLocally: false });
  });
});
