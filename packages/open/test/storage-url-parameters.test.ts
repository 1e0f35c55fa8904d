/// <reference types="node" />
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isStorageError } from "@stowage/core";
import { openStorage } from "../src/index.js";

// publicBaseUrl (every scheme, URL parameter or storageOptions) and the S3
// parameters signingEndpoint and multipartCopyThreshold.
const directories: string[] = [];
afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

async function freshDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "stowage-open-params-"));
  directories.push(directory);
  return directory;
}

async function expectError(promise: Promise<unknown>, code: string, message: RegExp): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isStorageError(error), `expected a StorageError, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  expect((error as Error).message).toMatch(message);
  return error as Error;
}

const cdn = "https://cdn.example.com/files/";
const fakeBinding = { head: async () => null, get: async () => null, put: async () => null, delete: async () => {}, list: async () => ({}) };
const s3Env = { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "example-secret" };

describe("openStorage: publicBaseUrl", () => {
  it("memory://?publicBaseUrl=… gives publicUrl under it, each key segment encoded", async () => {
    const storage = await openStorage({ url: `memory://?publicBaseUrl=${cdn}`, env: {} });
    expect(storage.driver.name).toBe("memory");
    expect(storage.publicUrl("a b/c?.txt")).toBe("https://cdn.example.com/files/a%20b/c%3F.txt");
  });

  it("a percent-encoded value is decoded", async () => {
    const storage = await openStorage({ url: `memory://?publicBaseUrl=${encodeURIComponent("https://cdn.example.com/x")}`, env: {} });
    expect(storage.publicUrl("k")).toBe("https://cdn.example.com/x/k");
  });

  it("file:…?publicBaseUrl=…: the directory is the path without the query", async () => {
    const directory = await freshDirectory();
    const storage = await openStorage({ url: `file://${directory}?publicBaseUrl=${cdn}`, env: {} });
    expect(storage.driver.name).toBe("fs");
    await storage.put("k.txt", "hello");
    expect((await readdir(directory)).length).toBeGreaterThan(0);
    expect(storage.publicUrl("k.txt")).toBe(`${cdn}k.txt`);
  });

  it("s3://…&publicBaseUrl=… with the S3 parameters around it", async () => {
    const storage = await openStorage({
      url: `s3://my-bucket?region=eu-west-1&publicBaseUrl=${cdn}&endpoint=http://127.0.0.1:9&profile=minio`,
      env: s3Env,
    });
    expect(storage.driver.name).toBe("s3");
    expect(storage.publicUrl("a/b.png")).toBe(`${cdn}a/b.png`);
  });

  it("r2://?publicBaseUrl=…", async () => {
    const storage = await openStorage({ url: `r2://?publicBaseUrl=${cdn}`, binding: fakeBinding, env: {} });
    expect(storage.driver.name).toBe("r2");
    expect(storage.publicUrl("k")).toBe(`${cdn}k`);
  });

  it("STORAGE_URL carries it too", async () => {
    const storage = await openStorage({ env: { STORAGE_URL: `memory://?publicBaseUrl=${cdn}` } });
    expect(storage.publicUrl("k")).toBe(`${cdn}k`);
  });

  it("the config-object form: storageOptions.publicBaseUrl", async () => {
    const storage = await openStorage({ url: "memory://", storageOptions: { publicBaseUrl: "https://assets.example.com" }, env: {} });
    expect(storage.publicUrl("k")).toBe("https://assets.example.com/k");
  });

  it("given in both places with the same value is fine; differently is InvalidArgument", async () => {
    const same = await openStorage({ url: `memory://?publicBaseUrl=${cdn}`, storageOptions: { publicBaseUrl: cdn }, env: {} });
    expect(same.publicUrl("k")).toBe(`${cdn}k`);
    await expectError(
      openStorage({ url: `memory://?publicBaseUrl=${cdn}`, storageOptions: { publicBaseUrl: "https://other.example.com/" }, env: {} }),
      "InvalidArgument",
      /publicBaseUrl is given twice, differently/,
    );
  });

  it("without it, publicUrl is Unsupported", async () => {
    const storage = await openStorage({ url: "memory://", env: {} });
    expect(() => storage.publicUrl("k")).toThrow(/publicBaseUrl/);
  });

  const bad: Array<[string, string, RegExp]> = [
    ["twice", `memory://?publicBaseUrl=${cdn}&publicBaseUrl=${cdn}`, /"publicBaseUrl" is given 2 times/],
    ["empty", "memory://?publicBaseUrl=", /publicBaseUrl must be a non-empty string/],
    ["relative", "memory://?publicBaseUrl=/files/", /must be an absolute URL/],
    ["ftp", "memory://?publicBaseUrl=ftp://cdn.example.com/", /must be an http: or https: URL/],
    ["with credentials", "memory://?publicBaseUrl=https://user:hunter2@cdn.example.com/", /must not carry credentials/],
    ["with a query", `memory://?publicBaseUrl=${encodeURIComponent("https://cdn.example.com/?v=1")}`, /must not have a query or fragment/],
    ["malformed escape", "memory://?publicBaseUrl=%E0%A4%A", /malformed %-escape/],
    ["another parameter on memory", `memory://?publicBaseUrl=${cdn}&x=1`, /memory URL takes no host, path or query \(other than \?publicBaseUrl=\)/],
    ["another parameter on r2", "r2://?publicBaseURL=https://cdn.example.com/", /R2 URL takes no host, path or query \(other than \?publicBaseUrl=\)/],
    ["misspelt on s3", "s3://my-bucket?publicBaseURL=https://cdn.example.com/", /Unknown S3 URL parameter "publicBaseURL"; did you mean "publicBaseUrl"\?/],
  ];
  for (const [name, url, message] of bad) {
    it(`${name} is InvalidArgument`, async () => {
      const error = await expectError(openStorage({ url, binding: fakeBinding, env: {} }), "InvalidArgument", message);
      expect(error.message).not.toContain("hunter2");
    });
  }

  it("a bad storageOptions.publicBaseUrl is InvalidArgument naming the option", async () => {
    await expectError(openStorage({ url: "memory://", storageOptions: { publicBaseUrl: 42 as never }, env: {} }), "InvalidArgument", /storageOptions\.publicBaseUrl must be a non-empty string/);
  });

  it("an invalid publicBaseUrl is refused before the driver opens (no directory is created)", async () => {
    const directory = join(await freshDirectory(), "not-created");
    await expectError(openStorage({ url: `file://${directory}?publicBaseUrl=nope`, env: {} }), "InvalidArgument", /absolute URL/);
    await expect(stat(directory)).rejects.toThrow();
  });
});

describe("openStorage: S3 signingEndpoint and multipartCopyThreshold", () => {
  it("signingEndpoint= makes signed URLs point at that origin", async () => {
    const storage = await openStorage({
      url: "s3://my-bucket?region=us-east-1&endpoint=http://127.0.0.1:9&forcePathStyle=true&profile=minio&signingEndpoint=https://files.example.com",
      env: s3Env,
    });
    const signed = await storage.signGet("a/b.txt");
    expect(new URL(signed.url).origin).toBe("https://files.example.com");
    const direct = await openStorage({ url: "s3://my-bucket?region=us-east-1&endpoint=http://127.0.0.1:9&forcePathStyle=true&profile=minio", env: s3Env });
    expect(new URL((await direct.signGet("a/b.txt")).url).origin).toBe("http://127.0.0.1:9");
  });

  it.each<[string, string, RegExp]>([
    ["signingEndpoint not a URL", "signingEndpoint=files.example.com", /signingEndpoint must be an http:\/\/ or https:\/\/ URL/],
    ["signingEndpoint with credentials", "signingEndpoint=https://u:hunter2@files.example.com", /signingEndpoint must not carry credentials/],
    ["signingEndpoint with a query (checked by the driver)", `signingEndpoint=${encodeURIComponent("https://files.example.com/?a=1")}`, /signingEndpoint must be an http\(s\) URL without query/],
    ["multipartCopyThreshold not a number", "multipartCopyThreshold=5MiB", /multipartCopyThreshold must be a whole number of bytes, at least 1/],
    ["multipartCopyThreshold 0", "multipartCopyThreshold=0", /multipartCopyThreshold must be a whole number of bytes, at least 1/],
    ["multipartCopyThreshold above 5 GiB (checked by the driver)", "multipartCopyThreshold=6000000000", /multipartCopyThreshold must be a whole number of bytes from 1 to 5368709120/],
    ["multipartCopyThreshold twice", "multipartCopyThreshold=1&multipartCopyThreshold=2", /"multipartCopyThreshold" is given 2 times/],
  ])("%s is InvalidArgument", async (_name, parameter, message) => {
    const url = `s3://my-bucket?region=us-east-1&endpoint=http://127.0.0.1:9&profile=minio&${parameter}`;
    const error = await expectError(openStorage({ url, env: s3Env }), "InvalidArgument", message);
    expect(error.message).not.toContain("hunter2");
  });

  const endpoint = process.env.S3_ENDPOINT;
  it.skipIf(endpoint === undefined && process.env.CI !== "true")(
    `multipartCopyThreshold= reaches the driver: a copy above it is a multipart copy on Ceph RGW${endpoint === undefined ? " [SKIPPED: S3_ENDPOINT is not set]" : ""}`,
    async () => {
      expect(endpoint, "CI=true requires S3_ENDPOINT").toBeDefined();
      const bucket = process.env.S3_BUCKET ?? "stowage-test";
      const env = { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? "", AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? "" };
      const base = `s3://${bucket}/open-params-${crypto.randomUUID()}/?endpoint=${encodeURIComponent(endpoint!)}&forcePathStyle=true&profile=ceph-rgw`;
      const small = await openStorage({ url: `${base}&multipartCopyThreshold=1024`, env });
      const plain = await openStorage({ url: base, env });
      const body = new Uint8Array(64 * 1024).fill(7);
      await small.put("src", body);
      const multipart = await small.copy("src", "multipart");
      const single = await plain.copy("src", "single");
      expect(multipart.etag).toMatch(/-\d+$/);
      expect(single.etag).not.toMatch(/-/);
      expect((await (await small.get("multipart"))!.bytes()).byteLength).toBe(body.byteLength);
      await small.deletePrefix("", { all: true });
    },
  );
});
