import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import type { Storage } from "@stowage/core";
import { createSignedUrlHandler } from "@stowage/http";
import { serveHandler, type ServedHandler } from "@stowage/http/node";
import { openTestStorage, realS3Targets, runCli, runCliInProcess, seed, tempFileUrl, uniquePrefix } from "./cli-harness.ts";

interface SignedJson {
  url: string;
  method: string;
  headers: Record<string, string>;
  expiresAt: string;
}

function parseSigned(stdout: string): SignedJson {
  const lines = stdout.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as SignedJson;
}

const secret = "cli-test-secret-0123456789abcdefghijklmnop";

describe("stowage sign on file: with HMAC signing, served by createSignedUrlHandler", () => {
  const { dir, url } = tempFileUrl();
  let served: ServedHandler;
  let storage: Storage;
  let env: Record<string, string>;
  beforeAll(async () => {
    let handler: ((request: Request) => Promise<Response>) | undefined;
    served = await serveHandler((request) => handler!(request));
    env = { STORAGE_SIGNING_SECRETS: `k1:${secret}`, STORAGE_SIGNING_BASE_URL: served.url };
    storage = await openTestStorage(url, env);
    handler = createSignedUrlHandler(storage, { secrets: [{ id: "k1", secret }] });
    await seed(storage, { "report.txt": { body: "the report", contentType: "text/plain" } });
  });
  afterAll(async () => {
    await served?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sign get prints one JSON SignedRequest whose URL serves the object", async () => {
    const result = await runCli(["sign", "get", "--expires", "5m", `${url}#report.txt`], { env });
    expect(result).toMatchObject({ code: 0, stderr: "" });
    const signed = parseSigned(result.stdout);
    expect(signed.method).toBe("GET");
    expect(signed.url.startsWith(served.url)).toBe(true);
    const expiresIn = new Date(signed.expiresAt).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(280_000);
    expect(expiresIn).toBeLessThanOrEqual(300_000);
    const response = await fetch(signed.url, { headers: signed.headers });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("the report");
  });

  it("sign put --content-type --max-size --one-time mints a URL that uploads once", async () => {
    const result = await runCli(["sign", "put", "--content-type", "text/csv", "--max-size", "100", "--one-time", `${url}#uploads/data.csv`], { env });
    expect(result).toMatchObject({ code: 0, stderr: "" });
    const signed = parseSigned(result.stdout);
    expect(signed.method).toBe("PUT");
    const upload = () => fetch(signed.url, { method: "PUT", headers: signed.headers, body: "a,b\n1,2\n" });
    expect((await upload()).status).toBeLessThan(300);
    expect(await storage.head("uploads/data.csv")).toMatchObject({ size: 8, contentType: "text/csv" });
    expect((await upload()).status).toBeGreaterThanOrEqual(400);
    const tooBig = parseSigned((await runCli(["sign", "put", "--max-size", "4", `${url}#uploads/big.bin`], { env })).stdout);
    expect((await fetch(tooBig.url, { method: "PUT", headers: tooBig.headers, body: "12345" })).status).toBeGreaterThanOrEqual(400);
    expect(await storage.head("uploads/big.bin")).toBeNull();
  });

  it("without signing secrets, fs cannot sign (Unsupported, exit 1)", async () => {
    const result = await runCli(["sign", "get", `${url}#report.txt`], { env: { STORAGE_SIGNING_SECRETS: undefined, STORAGE_SIGNING_BASE_URL: undefined } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^stowage: Unsupported: .*\n$/);
  });

  it("usage errors: the method, options of the other method, --expires", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["sign", "post", `${url}#a`], /^stowage: Usage: sign takes get or put first, not "post"\n$/],
      [["sign", "get", "--one-time", `${url}#a`], /^stowage: Usage: --one-time is for sign put\n$/],
      [["sign", "put", "--filename", "x", `${url}#a`], /^stowage: Usage: --filename is for sign get\n$/],
      [["sign", "get", "--expires", "soon", `${url}#a`], /^stowage: Usage: --expires takes seconds or a number with s, m, h or d/],
      [["sign", "get", url], /^stowage: Usage: sign needs a key: /],
    ];
    for (const [args, stderr] of cases) {
      const result = await runCliInProcess(args, { env });
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(stderr);
    }
  });
});

for (const { label, target } of realS3Targets()) {
  describe.skipIf(target === null)(`stowage sign on ${label} (presigned URLs)`, () => {
    const prefix = uniquePrefix("sign");
    let storage: Storage;
    beforeAll(async () => {
      storage = await openTestStorage(target!.url, target!.env);
      await seed(storage, { [`${prefix}hello.txt`]: { body: "hello from s3", contentType: "text/plain" } });
    });
    afterAll(async () => {
      await storage?.deletePrefix(prefix);
    });

    it("sign get, then fetch the URL", async () => {
      const result = await runCli(["sign", "get", `${target!.url}#${prefix}hello.txt`], { env: target!.env });
      expect(result).toMatchObject({ code: 0, stderr: "" });
      const signed = parseSigned(result.stdout);
      const response = await fetch(signed.url, { headers: signed.headers });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("hello from s3");
    });

    it("sign put --content-type, then upload through the URL and cat it back", async () => {
      const location = `${target!.url}#${prefix}up.txt`;
      const result = await runCli(["sign", "put", "--content-type", "text/plain", "--expires", "10m", location], { env: target!.env });
      expect(result).toMatchObject({ code: 0, stderr: "" });
      const signed = parseSigned(result.stdout);
      expect(signed.method).toBe("PUT");
      const response = await fetch(signed.url, { method: "PUT", headers: signed.headers, body: "uploaded" });
      expect(response.status).toBe(200);
      expect(await runCli(["cat", location], { env: target!.env })).toMatchObject({ code: 0, stdout: "uploaded" });
    });
  });
}
