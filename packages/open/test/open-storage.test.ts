/// <reference types="node" />
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { S3Client } from "@aws-sdk/client-s3";
import { isStorageError, type Storage } from "@stowage/core";
import { openStorage } from "../src/index.js";
import { loadFailure } from "../src/open-storage.js";

const directories: string[] = [];
afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

async function freshDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "stowage-open-"));
  directories.push(directory);
  return directory;
}

async function roundTrip(storage: Storage, key: string): Promise<void> {
  await storage.put(key, "hello", { contentType: "text/plain" });
  const object = await storage.get(key);
  expect(await object?.text()).toBe("hello");
  expect(object?.contentType).toBe("text/plain");
  await storage.delete(key);
  expect(await storage.head(key)).toBeNull();
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

describe("openStorage: schemes", () => {
  it("memory:// opens the memory driver", async () => {
    const storage = await openStorage("memory://");
    expect(storage.driver.name).toBe("memory");
    await roundTrip(storage, "a/b.txt");
  });

  it("signing secrets come from config: the driver gains signPut and signGet under baseUrl", async () => {
    const secret = "0123456789abcdef0123456789abcdef";
    const fromOptions = await openStorage({ url: "memory://", signing: { secrets: [{ id: "k1", secret }], baseUrl: "http://localhost:3000/__storage" } });
    const put = await fromOptions.signPut("a/b.png", { contentType: "image/png", maxSize: 10 });
    expect(put.url.startsWith("http://localhost:3000/__storage/a/b.png?")).toBe(true);
    expect(put.headers["content-type"]).toBe("image/png");
    const fromEnv = await openStorage({
      env: { STORAGE_URL: "memory://", STORAGE_SIGNING_SECRETS: `k2:${secret},k1:${secret}`, STORAGE_SIGNING_BASE_URL: "https://files.example.com/s" },
    });
    expect((await fromEnv.signGet("x")).url.startsWith("https://files.example.com/s/x?")).toBe(true);
    const unsigned = await openStorage("memory://");
    expect(unsigned.capabilities.signPut).toBe(false);
  });

  it("reads STORAGE_URL when no URL is given", async () => {
    const storage = await openStorage({ env: { STORAGE_URL: "memory://" } });
    expect(storage.driver.name).toBe("memory");
  });

  it("file:///absolute opens the fs driver at that directory", async () => {
    const directory = await freshDirectory();
    const storage = await openStorage(`file://${directory}`);
    expect(storage.driver.name).toBe("fs");
    expect(await readdir(directory)).toEqual([]);
    await storage.put("dir/file.txt", "hello", { contentType: "text/plain" });
    expect((await readdir(directory)).length).toBeGreaterThan(0); // the object landed under that root
    await roundTrip(storage, "x/y.txt");
  });

  it("file:./relative opens the fs driver relative to the working directory", async () => {
    const directory = await freshDirectory();
    const relativePath = relative(process.cwd(), directory);
    const storage = await openStorage(`file:./${relativePath}`);
    expect(storage.driver.name).toBe("fs");
    await storage.put("rel.txt", "hello");
    expect((await readdir(directory)).length).toBeGreaterThan(0);
    await roundTrip(storage, "rel.txt");
  });

  it("s3:// opens the S3 driver with region, endpoint and path style from the URL and credentials from the env", async () => {
    const endpoint = process.env.S3_ENDPOINT;
    const bucket = process.env.S3_BUCKET ?? "stowage-test";
    const url = `s3://${bucket}/open-storage-test/?region=${process.env.S3_REGION ?? "us-east-1"}&endpoint=${encodeURIComponent(
      endpoint ?? "http://127.0.0.1:9",
    )}&forcePathStyle=true`;
    const storage = await openStorage({
      url,
      env: { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? "key", AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? "secret" },
    });
    expect(storage.driver.name).toBe("s3");
    if (endpoint !== undefined) {
      await roundTrip(storage, `k-${Date.now()}.txt`);
    } else {
      // Without a server, the driver still constructs and fails only on I/O.
      await expectError(storage.head("k"), "Unavailable", /./);
    }
  });

  it("r2:// opens the R2 driver over the binding from options", async () => {
    const binding = { head: async () => null, get: async () => null, put: async () => null, delete: async () => {}, list: async () => ({}) };
    const storage = await openStorage({ url: "r2://", binding });
    expect(storage.driver.name).toBe("r2");
    expect(await storage.head("missing")).toBeNull();
  });
});

describe("openStorage: bad URLs give InvalidArgument with a helpful message", () => {
  const cases: Array<[string, RegExp]> = [
    ["", /set STORAGE_URL/],
    ["no-scheme/here", /has no scheme/],
    ["ftp://host/x", /Unknown storage scheme "ftp:".*memory:\/\//],
    ["https://s3.amazonaws.com/bucket", /s3:\/\/bucket\?endpoint=https/],
    ["memory://named", /memory URL takes no host/],
    ["file://otherhost/dir", /names a local directory, not host "otherhost"/],
    ["file:", /needs a directory/],
    ["file:///", /needs a directory/],
    ["file:///tmp/x?mode=1", /no query/],
    ["s3://", /needs a bucket name/],
    ["s3://Bad_Bucket", /needs a bucket name/],
    ["s3://bucket?colour=red", /Unknown S3 URL parameter "colour"; allowed: region, endpoint/],
    ["s3://bucket?secretAccessKey=x", /credentials never go in the URL/],
    ["s3://bucket?endpoint=ftp://x", /endpoint must be an http/],
    ["s3://bucket?forcePathStyle=yes", /forcePathStyle must be "true" or "false"/],
    ["s3://bucket?expiry=1", /expiry must be "true" or "false"/],
    ["s3://bucket:9000", /put the server in \?endpoint=/],
    ["s3://bucket?profile=cephrgw", /profile="cephrgw" is not a known profile; did you mean "ceph-rgw"\? Valid profiles: aws, r2, minio, ceph-rgw.*generic/],
    ["r2://bucket", /R2 URL takes no host/],
    ["r2://", /needs the bucket binding/],
  ];
  for (const [url, message] of cases) {
    it(`${JSON.stringify(url)} is refused`, async () => {
      await expectError(openStorage({ url, env: {} }), "InvalidArgument", message);
    });
  }

  it("a URL with user:password is refused without echoing the secret", async () => {
    const error = await expectError(openStorage("s3://AKIAEXAMPLE:hunter2@bucket?region=us-east-1"), "InvalidArgument", /must not carry credentials.*AWS_ACCESS_KEY_ID/);
    expect(error.message).not.toContain("hunter2");
    expect(error.message).not.toContain("AKIAEXAMPLE");
  });

  it("no URL and no STORAGE_URL is refused", async () => {
    await expectError(openStorage({ env: {} }), "InvalidArgument", /STORAGE_URL/);
  });

  it("a signing option that is neither a UrlSigner nor { secrets, baseUrl } is refused", async () => {
    await expectError(openStorage({ url: "memory://", signing: { nope: 1 } as never }), "InvalidArgument", /UrlSigner or \{ secrets, baseUrl \}/);
  });

  it("malformed STORAGE_SIGNING_SECRETS is refused", async () => {
    const env = { STORAGE_URL: "memory://", STORAGE_SIGNING_SECRETS: "no-colon", STORAGE_SIGNING_BASE_URL: "http://localhost/s" };
    await expectError(openStorage({ env }), "InvalidArgument", /"id:secret" pairs/);
  });
});

describe("openStorage: unknown options are refused, never dropped", () => {
  const secrets = [{ id: "k1", secret: "0123456789abcdef0123456789abcdef" }];
  const signing = { secrets, baseUrl: "http://localhost:3000/__storage" };
  const credentials = { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "example-secret" };
  const cases: Array<[string, unknown, RegExp]> = [
    ["a misspelt signing", { url: "memory://", sigining: signing }, /openStorage options has an unknown option "sigining"; did you mean "signing"\?/],
    ["a misspelt storageOptions", { url: "memory://", storageOption: {} }, /unknown option "storageOption"; did you mean "storageOptions"\?/],
    ["a misspelt driverOptions", { url: "memory://", driverOption: {} }, /unknown option "driverOption"; did you mean "driverOptions"\?/],
    ["a misspelt credentials", { url: "memory://", credential: credentials }, /unknown option "credential"; did you mean "credentials"\?/],
    ["a misspelt url", { URL: "memory://" }, /unknown option "URL"; did you mean "url"\?/],
    ["a misspelt env", { url: "memory://", environment: {} }, /unknown option "environment"/],
    ["bucket instead of binding", { url: "r2://", bucket: {} }, /unknown option "bucket"; known options: url, signing, credentials, binding/],
    ["signing.secret", { url: "memory://", signing: { secret: secrets, baseUrl: signing.baseUrl } }, /options\.signing .*unknown option "secret"; did you mean "secrets"\?/],
    ["signing.baseURL", { url: "memory://", signing: { secrets, baseURL: signing.baseUrl } }, /options\.signing .*unknown option "baseURL"; did you mean "baseUrl"\?/],
    ["credentials.accessKeyID", { url: "memory://", credentials: { ...credentials, accessKeyID: "x" } }, /options\.credentials has an unknown option "accessKeyID"; did you mean "accessKeyId"\?/],
    ["credentials.secretAccesKey", { url: "memory://", credentials: { accessKeyId: "a", secretAccesKey: "b" } }, /did you mean "secretAccessKey"\?/],
    ["storageOptions.clok", { url: "memory://", storageOptions: { clok: Date.now } }, /options\.storageOptions has an unknown option "clok"; did you mean "clock"\?/],
    ["storageOptions.expiresIn", { url: "memory://", storageOptions: { expiresIn: 60 } }, /options\.storageOptions has an unknown option "expiresIn"/],
    ["driverOptions.signign (checked by the driver factory)", { url: "memory://", driverOptions: { signign: signing } }, /unknown option "signign"; did you mean "signing"\?/],
  ];
  for (const [name, config, message] of cases) {
    it(`${name} is InvalidArgument naming the key`, async () => {
      await expectError(openStorage({ env: {}, ...(config as object) }), "InvalidArgument", message);
    });
  }

  const shapes: Array<[string, unknown, RegExp]> = [
    ["null", null, /URL string or an options object \(got null\)/],
    ["a number", 42, /URL string or an options object/],
    ["an array", ["memory://"], /URL string or an options object \(got an array\)/],
    ["a URL object", new URL("memory://"), /URL string or an options object \(got a URL\)/],
    ["signing: a string", { url: "memory://", signing: "secret" }, /options\.signing .*must be a plain object/],
    ["signing: null", { url: "memory://", signing: null }, /options\.signing .*must be a plain object/],
    ["credentials: a string", { url: "memory://", credentials: "AKIA:secret" }, /options\.credentials must be a plain object/],
    ["storageOptions: null", { url: "memory://", storageOptions: null }, /options\.storageOptions must be a plain object/],
    ["driverOptions: an array", { url: "memory://", driverOptions: [] }, /options\.driverOptions must be a plain object/],
    ["env: a string", { url: "memory://", env: "STORAGE_URL=memory://" }, /options\.env must be an object/],
  ];
  for (const [name, config, message] of shapes) {
    it(`${name} is InvalidArgument`, async () => {
      await expectError(openStorage(config as string), "InvalidArgument", message);
    });
  }

  it("a ready UrlSigner (any object with signPut and signGet) is not checked as { secrets, baseUrl }", async () => {
    class Signer {
      readonly capabilities = { signGet: true };
      async signPut(): Promise<never> {
        throw new Error("unused");
      }
      async signGet(key: string) {
        return { url: `https://signer.example/${key}`, method: "GET" as const, headers: {}, expiresAt: new Date(0) };
      }
    }
    const storage = await openStorage({ url: "memory://", signing: new Signer(), env: {} });
    expect((await storage.signGet("a")).url).toBe("https://signer.example/a");
  });
});

describe("openStorage: a missing driver package", () => {
  it("names the package to install (ESM and CJS loader errors)", () => {
    const esm = Object.assign(new Error("Cannot find package '@stowage/s3' imported from /app/node_modules/@stowage/core/dist/index.js"), {
      code: "ERR_MODULE_NOT_FOUND",
    });
    const cjs = Object.assign(new Error("Cannot find module '@stowage/fs'\nRequire stack:\n- /app/x.cjs"), { code: "MODULE_NOT_FOUND" });
    for (const [name, error] of [["@stowage/s3", esm], ["@stowage/fs", cjs]] as const) {
      const failure = loadFailure(name, error);
      expect(failure.code).toBe("Unsupported");
      expect(failure.message).toContain(`npm install ${name}`);
      expect(failure.cause).toBe(error);
    }
  });

  it("tells a broken driver (its own dependency missing) from a missing one", () => {
    const nested = Object.assign(
      new Error("Cannot find package '@aws-sdk/client-s3' imported from /app/node_modules/@stowage/s3/dist/index.js"),
      { code: "ERR_MODULE_NOT_FOUND" },
    );
    const failure = loadFailure("@stowage/s3", nested);
    expect(failure.code).toBe("Unknown");
    expect(failure.message).toContain("@aws-sdk/client-s3");
  });
});

/** A client that records the commands it sends; openStorage's probe uses a client passed in driverOptions. */
function countingClient(endpoint: string | undefined, credentials: { accessKeyId: string; secretAccessKey: string }) {
  const client = new S3Client({
    region: "us-east-1",
    ...(endpoint === undefined ? {} : { endpoint }),
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 1,
  });
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(String(context.commandName));
      return next(args);
    },
    { step: "finalizeRequest", name: "countRequests" },
  );
  return { client, sent };
}

type S3Like = { profile: { name: string } };
const rgw = process.env.S3_ENDPOINT
  ? {
      endpoint: process.env.S3_ENDPOINT,
      bucket: process.env.S3_BUCKET ?? "stowage-test",
      credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "", secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "" },
    }
  : null;
const swift = process.env.SWIFT_S3_ENDPOINT
  ? {
      endpoint: process.env.SWIFT_S3_ENDPOINT,
      bucket: process.env.SWIFT_S3_BUCKET ?? "stowage-test",
      credentials: { accessKeyId: process.env.SWIFT_S3_ACCESS_KEY_ID ?? "", secretAccessKey: process.env.SWIFT_S3_SECRET_ACCESS_KEY ?? "" },
    }
  : null;
const ci = process.env.CI === "true";

describe("openStorage: the S3 profile when the URL names none", () => {
  it("AWS-style configuration (no endpoint): the aws profile, and no request at open", async () => {
    const credentials = { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "example-secret" };
    const { client, sent } = countingClient(undefined, credentials);
    const storage = await openStorage({ url: "s3://my-bucket?region=eu-west-1", env: {}, credentials, driverOptions: { client } });
    expect((storage.driver as unknown as S3Like).profile.name).toBe("aws");
    expect(storage.capabilities.putIfMatch).toBe(true);
    expect(storage.capabilities.expiry).toBe(false);
    expect(sent).toEqual([]);
    const expiring = await openStorage({ url: "s3://my-bucket?region=eu-west-1&expiry=true", env: {}, credentials, driverOptions: { client } });
    expect(expiring.capabilities.expiry).toBe(true);
  });

  it("profile= given: no request at open", async () => {
    const credentials = { accessKeyId: "a", secretAccessKey: "s" };
    const { client, sent } = countingClient("http://127.0.0.1:9", credentials);
    const storage = await openStorage({ url: "s3://my-bucket?endpoint=http://127.0.0.1:9&profile=minio", env: {}, credentials, driverOptions: { client } });
    expect((storage.driver as unknown as S3Like).profile.name).toBe("minio");
    expect(sent).toEqual([]);
  });

  it("a server that does not answer: the generic profile, whose conditional puts are refused with the fix", async () => {
    const storage = await openStorage({ url: "s3://my-bucket?endpoint=http://127.0.0.1:9&forcePathStyle=true", env: { AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "s" } });
    expect((storage.driver as unknown as S3Like).profile.name).toBe("generic");
    const error = await expectError(storage.put("k", "v", { ifMatch: "0123456789abcdef0123456789abcdef" }), "Unsupported", /generic S3 profile.*&profile=/);
    expect(error.message).toMatch(/putIfMatch/);
  });

  it.skipIf(rgw === null && !ci)("Ceph RGW, the README's URL without profile=: recognised by one HeadBucket, so compare-and-swap works", async () => {
    expect(rgw, "CI=true requires S3_ENDPOINT").not.toBeNull();
    const { client, sent } = countingClient(rgw!.endpoint, rgw!.credentials);
    const url = `s3://${rgw!.bucket}?endpoint=${encodeURIComponent(rgw!.endpoint)}&forcePathStyle=true`;
    const storage = await openStorage({ url, env: {}, credentials: rgw!.credentials, driverOptions: { client } });
    expect(sent).toEqual(["HeadBucketCommand"]);
    expect((storage.driver as unknown as S3Like).profile.name).toBe("ceph-rgw");
    const key = `open-profile/${crypto.randomUUID()}`;
    const first = await storage.put(key, "one");
    await storage.put(key, "two", { ifMatch: first.etag });
    expect(await (await storage.get(key))!.text()).toBe("two");
    await storage.delete(key);
  });

  it.skipIf(swift === null && !ci)(
    `OpenStack Swift without profile=: recognised, conditional puts refused before any request${swift === null ? " [SKIPPED: SWIFT_S3_ENDPOINT is not set]" : ""}`,
    async () => {
      expect(swift, "CI=true requires SWIFT_S3_ENDPOINT").not.toBeNull();
      const url = `s3://${swift!.bucket}?endpoint=${encodeURIComponent(swift!.endpoint)}&forcePathStyle=true`;
      const storage = await openStorage({ url, env: {}, credentials: swift!.credentials });
      expect(["swift", "generic"]).toContain((storage.driver as unknown as S3Like).profile.name);
      expect(storage.capabilities.putIfNotExists).toBe(false);
      expect(storage.capabilities.putIfMatch).toBe(false);
      await expectError(storage.put(`open-profile/${crypto.randomUUID()}`, "v", { ifNotExists: true }), "Unsupported", /putIfNotExists/);
    },
  );
});
