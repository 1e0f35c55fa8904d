// Which signPut constraint combinations hold, and which are refused, per
// backend, from real runs: each combination is asked of `checkSignPut`; a
// refused one must be refused by `signPut` too, with the same code; an
// accepted one is signed and probed over HTTP from Node (a conforming upload
// is stored; a wrong type, a wrong size, an existing key and a reused URL are
// refused, and nothing is stored or replaced). The table lands in
// artifacts/upload-constraints.md (gitignored) and is printed.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { isStorageError, type SignedRequest, type SignPutOptions, type Storage } from "@stowage/core";
import { createSignedUrlHandler } from "@stowage/http";
import { serveHandler } from "@stowage/http/node";
import { openStorage } from "@stowage/open";
import { afterAll, describe, expect, it } from "vitest";
import { artifactsDir } from "./upload-flow-suite.js";

const size = 100;
const type = "image/png";
const combinations: { label: string; options: SignPutOptions }[] = [
  { label: "contentType + size", options: { contentType: type, size } },
  { label: "contentType + size + ifNotExists", options: { contentType: type, size, ifNotExists: true } },
  { label: "contentType + size + oneTime", options: { contentType: type, size, oneTime: true } },
  { label: "contentType + size + ifNotExists + oneTime", options: { contentType: type, size, ifNotExists: true, oneTime: true } },
  { label: "contentType + maxSize", options: { contentType: type, maxSize: 2 * size } },
  { label: "contentType + maxSize + ifNotExists", options: { contentType: type, maxSize: 2 * size, ifNotExists: true } },
  { label: "contentType + maxSize + oneTime", options: { contentType: type, maxSize: 2 * size, oneTime: true } },
  { label: "contentType + size + maxSize + ifNotExists", options: { contentType: type, size, maxSize: 2 * size, ifNotExists: true } },
];

interface Backend {
  name: string;
  unavailable?: string;
  open(): Promise<{ storage: Storage; close(): Promise<void> }>;
}

/** fs and memory: HMAC-signed URLs served by createSignedUrlHandler, as the upload app does. */
function hmacBackend(name: string, url: () => Promise<{ url: string; cleanup(): Promise<void> }>): Backend {
  return {
    name,
    async open() {
      const target = await url();
      let handler: ((request: Request) => Promise<Response>) | undefined;
      const served = await serveHandler((request) => handler!(request), { host: "127.0.0.1", port: 0 });
      const secrets = [{ id: "t", secret: "constraint-table-secret-0123456789abcdef" }];
      const storage = await openStorage({ url: target.url, env: {}, signing: { secrets, baseUrl: `${served.url}/__storage` } });
      handler = createSignedUrlHandler(storage, { secrets, basePath: "/__storage" });
      return {
        storage,
        async close() {
          await served.close();
          await target.cleanup();
        },
      };
    },
  };
}

const env = process.env;
const backends: Backend[] = [
  hmacBackend("fs", async () => {
    const root = await mkdtemp(join(tmpdir(), "stowage-constraints-"));
    return { url: `file://${root}`, cleanup: () => rm(root, { recursive: true, force: true }) };
  }),
  hmacBackend("memory", async () => ({ url: "memory://", cleanup: async () => {} })),
  {
    name: "s3 (Ceph RGW)",
    ...(env.S3_ENDPOINT ? {} : { unavailable: "S3_ENDPOINT is not set (start Ceph RGW with scripts/ceph/start.sh DIR and . DIR/env)" }),
    async open() {
      const region = env.S3_REGION ?? "us-east-1";
      const endpoint = env.S3_ENDPOINT!;
      const bucket = `constraints-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
      const client = new S3Client({ region, endpoint, forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      const params = new URLSearchParams({ region, endpoint, forcePathStyle: "true", profile: "ceph-rgw" });
      const storage = await openStorage({ url: `s3://${bucket}?${params}`, env });
      return {
        storage,
        async close() {
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
if (env.CI === "true" && backends.some((backend) => backend.unavailable)) throw new Error("CI=true: the constraint table must run on every backend, but S3_ENDPOINT is not set");

/** Sends an upload from Node exactly as a browser would (a PUT with the signed headers, or an S3 POST form, file last). */
async function send(upload: SignedRequest, bytes: number, contentType = type): Promise<{ status: number; text: string }> {
  const body = new Uint8Array(bytes).fill(9);
  let response: Response;
  if (upload.method === "POST") {
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields ?? {})) form.append(name, name.toLowerCase() === "content-type" ? contentType : value);
    form.append("file", new Blob([body], { type: contentType }), "probe.png");
    response = await fetch(upload.url, { method: "POST", body: form });
  } else {
    const headers = Object.fromEntries(Object.entries(upload.headers ?? {}).map(([name, value]) => [name, name.toLowerCase() === "content-type" ? contentType : value]));
    response = await fetch(upload.url, { method: upload.method, headers, body });
  }
  return { status: response.status, text: await response.text() };
}

/** The server's error code: the handler's JSON `error.code` or S3's XML `<Code>`. */
function serverCode(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string } };
    if (parsed.error?.code) return parsed.error.code;
  } catch {
    // XML, or nothing
  }
  return /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? "";
}

interface Cell {
  holds: boolean;
  text: string;
}

/** Signs `options` for fresh keys and probes every constraint it carries; the cell for the table. */
async function probe(storage: Storage, options: SignPutOptions): Promise<Cell> {
  const problems: string[] = [];
  const refusals: string[] = [];
  const fresh = () => `probe/${crypto.randomUUID()}.png`;
  const good = options.size ?? Math.floor((options.maxSize ?? 2 * size) / 2);
  const refused = async (what: string, key: string, result: { status: number; text: string }) => {
    if (result.status < 400 || result.status >= 500) problems.push(`${what}: answered ${result.status}`);
    else refusals.push(`${what} ${result.status}${serverCode(result.text) ? ` ${serverCode(result.text)}` : ""}`);
    return key;
  };

  const key = fresh();
  const upload = await storage.signPut(key, options);
  const sent = await send(upload, good);
  const stored = await storage.head(key);
  if (sent.status >= 300 || stored === null || stored.size !== good || stored.contentType !== type) {
    problems.push(`a conforming ${upload.method} answered ${sent.status} and stored ${stored === null ? "nothing" : `${stored.size} bytes of ${stored.contentType}`}`);
  }
  if (options.contentType !== undefined) {
    const other = fresh();
    await refused("other type", other, await send(await storage.signPut(other, options), good, "image/jpeg"));
    if ((await storage.head(other)) !== null) problems.push("other type: stored");
  }
  if (options.size !== undefined || options.maxSize !== undefined) {
    const limit = options.size ?? options.maxSize!;
    const other = fresh();
    await refused("more bytes", other, await send(await storage.signPut(other, options), limit + 1));
    if ((await storage.head(other)) !== null) problems.push("more bytes: stored");
  }
  if (options.size !== undefined && options.size > 0) {
    const other = fresh();
    await refused("fewer bytes", other, await send(await storage.signPut(other, options), options.size - 1));
    if ((await storage.head(other)) !== null) problems.push("fewer bytes: stored");
  }
  if (options.ifNotExists) {
    const other = fresh();
    const signed = await storage.signPut(other, options);
    const before = await storage.put(other, "existing", { contentType: "text/plain" });
    await refused("existing key", other, await send(signed, good));
    if ((await storage.head(other))?.etag !== before.etag) problems.push("existing key: replaced");
  }
  if (options.oneTime) {
    const other = fresh();
    const signed = await storage.signPut(other, options);
    const first = await send(signed, good);
    if (first.status >= 300) problems.push(`one-time first use answered ${first.status}`);
    await storage.delete(other);
    await refused("reused URL", other, await send(signed, good));
    if ((await storage.head(other)) !== null) problems.push("reused URL: stored");
  }
  const method = upload.method === "POST" ? "POST form" : "PUT";
  if (problems.length > 0) return { holds: false, text: `**does not hold** (${method}): ${problems.join("; ")}` };
  return { holds: true, text: `holds (${method}; refused: ${refusals.join(", ")})` };
}

const table = new Map<string, Map<string, Cell>>();

describe("signPut constraint combinations per backend", () => {
  afterAll(async () => {
    const names = backends.map((backend) => backend.name);
    const lines = [
      "# Signed-upload constraint combinations per backend",
      "",
      "Generated by examples/upload-app/test/constraint-table.test.ts from real runs: `checkSignPut` for each combination; accepted ones signed and probed over HTTP (a conforming upload stored; the refusals listed, with the status and server code).",
      "",
      `| combination | ${names.join(" | ")} |`,
      `|---|${names.map(() => "---|").join("")}`,
    ];
    for (const { label } of combinations) {
      lines.push(`| ${label} | ${backends.map((backend) => (backend.unavailable ? `not run: ${backend.unavailable}` : (table.get(backend.name)?.get(label)?.text ?? "not run"))).join(" | ")} |`);
    }
    const text = `${lines.join("\n")}\n`;
    await mkdir(artifactsDir, { recursive: true });
    await writeFile(join(artifactsDir, "upload-constraints.md"), text);
    console.log(`\n${text}`);
  });

  for (const backend of backends) {
    it.skipIf(backend.unavailable !== undefined)(`${backend.name}: every combination checkSignPut accepts holds; every one it refuses, signPut refuses alike${backend.unavailable ? ` [skipped: ${backend.unavailable}]` : ""}`, async () => {
      const opened = await backend.open();
      const cells = new Map<string, Cell>();
      table.set(backend.name, cells);
      try {
        for (const { label, options } of combinations) {
          const check = opened.storage.checkSignPut(options);
          if (!check.ok) {
            const error = await opened.storage.signPut(`probe/${crypto.randomUUID()}.png`, options).then(
              () => undefined,
              (caught: unknown) => caught,
            );
            expect(isStorageError(error) && error.code === check.code, `${label}: signPut must refuse as checkSignPut said (${check.reason})`).toBe(true);
            cells.set(label, { holds: false, text: `refused: ${check.code}, ${check.reason.replace(/\|/g, "\\|")}` });
            continue;
          }
          const cell = await probe(opened.storage, options);
          cells.set(label, cell);
          expect(cell.holds, `${backend.name}, ${label}: ${cell.text}`).toBe(true);
        }
      } finally {
        await opened.close();
      }
    }, 120_000);
  }
});
