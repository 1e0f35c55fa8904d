// configureCors against a real Ceph RGW: the rule it writes, what a browser's
// preflight and a signed PUT from the allowed origin get back, and its refusals.
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, GetBucketCorsCommand, ListObjectsV2Command, PutBucketCorsCommand, type S3Client } from "@aws-sdk/client-s3";
import { createStorage, isStorageError, noCapabilities, withPrefix, type Storage, type StorageDriver } from "@stowage/core";
import { configureCors, s3Driver, s3Profiles, type S3Driver } from "@stowage/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawClient, s3Environment } from "./s3-test-environment.ts";

const environment = s3Environment();
const origin = "http://app.example.test:8080";

/** The StorageError a call rejects with (fails the test when it resolves or throws something else). */
async function refusal(call: () => Promise<unknown>) {
  try {
    await call();
  } catch (error) {
    expect(isStorageError(error), String(error)).toBe(true);
    return error as import("@stowage/core").StorageError;
  }
  throw new Error("expected a StorageError, but the call succeeded");
}

/** A driver that is not S3, as configureCors sees it (only its name and raw client matter). */
function otherDriver(name: string, raw: unknown): StorageDriver {
  const never = () => Promise.reject(new Error("not called"));
  return { name, capabilities: noCapabilities, raw, put: never, get: never, head: never, list: never, delete: never };
}

describe("configureCors refusals (no server needed)", () => {
  it("refuses a storage that is not S3 with Unsupported, naming the alternative", async () => {
    const memory = await refusal(() => configureCors(createStorage(otherDriver("memory", undefined)), { origins: [origin], methods: ["PUT"] }));
    expect(memory.code).toBe("Unsupported");
    expect(memory.message).toMatch(/memory driver has no S3 client/);
    expect(memory.message).toMatch(/createSignedUrlHandler/);
    const r2 = await refusal(() => configureCors(createStorage(otherDriver("r2", { put() {}, get() {} })), { origins: [origin], methods: ["PUT"] }));
    expect(r2.code).toBe("Unsupported");
    expect(r2.message).toMatch(/R2 binding cannot set CORS/);
    expect(r2.message).toMatch(/wrangler r2 bucket cors set/);
    expect(r2.message).toMatch(/own origin/);
  });

  it("refuses bad options with InvalidArgument before calling S3", async () => {
    // An endpoint nothing listens on: a call that reached the network would fail with Unavailable, not InvalidArgument.
    const storage = createStorage(
      s3Driver({ bucket: "b", region: "us-east-1", endpoint: "http://127.0.0.1:9", profile: "ceph-rgw", credentials: { accessKeyId: "a", secretAccessKey: "s" } }),
    );
    const cases: [unknown, RegExp][] = [
      [{ origins: [], methods: ["PUT"] }, /origins must be a non-empty list/],
      [{ origins: ["http://app.example/path"], methods: ["PUT"] }, /no path/],
      [{ origins: ["app.example"], methods: ["PUT"] }, /scheme and host/],
      [{ origins: [origin], methods: [] }, /methods must be a non-empty list/],
      [{ origins: [origin], methods: ["PATCH"] }, /methods may hold only/],
      [{ origins: [origin], methods: ["PUT"], allowHeaders: ["bad header"] }, /allowHeaders must hold header names/],
      [{ origins: [origin], methods: ["PUT"], exposeHeaders: ["*"] }, /exposeHeaders must hold header names/],
      [{ origins: [origin], methods: ["PUT"], maxAgeSeconds: -1 }, /maxAgeSeconds/],
      [{ origin: [origin], methods: ["PUT"] }, /"origin".*"origins"/],
      [undefined, /needs options/],
    ];
    for (const [options, message] of cases) {
      const error = await refusal(() => configureCors(storage, options as never));
      expect(error.code, `${JSON.stringify(options)}: ${error.message}`).toBe("InvalidArgument");
      expect(error.message).toMatch(message);
    }
    // A storage opened with a key prefix hides the bucket: pass it.
    const prefixed = createStorage(withPrefix(storage.driver, "tenant/"));
    const noBucket = await refusal(() => configureCors(prefixed, { origins: [origin], methods: ["PUT"] }));
    expect(noBucket).toMatchObject({ code: "InvalidArgument" });
    expect(noBucket.message).toMatch(/pass \{ bucket \}/);
  });
});

// OpenStack Swift's s3api has no bucket CORS API: its profile declares
// bucketCors off, and configureCors refuses before sending anything.
const bucketCors = environment !== null && s3Profiles[environment.profile].bucketCors;

describe.skipIf(environment === null || bucketCors)(
  `configureCors on ${environment?.label ?? "an S3 server"} without bucket CORS${environment !== null && bucketCors ? " [skipped: profile.bucketCors is on]" : ""}`,
  () => {
    it("the server answers PutBucketCors with 501 NotImplemented (the profile fact), and configureCors refuses with Unsupported first", async () => {
      const raw = rawClient(environment!);
      const answer = await raw
        .send(new PutBucketCorsCommand({ Bucket: environment!.bucket, CORSConfiguration: { CORSRules: [{ AllowedMethods: ["PUT"], AllowedOrigins: [origin] }] } }))
        .then(
          () => 200,
          (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode,
        );
      expect(answer).toBe(501);
      const storage = createStorage(
        s3Driver({
          bucket: environment!.bucket,
          region: environment!.region,
          endpoint: environment!.endpoint,
          profile: environment!.profile,
          credentials: { accessKeyId: environment!.accessKeyId, secretAccessKey: environment!.secretAccessKey },
        }),
      );
      const refused = await refusal(() => configureCors(storage, { origins: [origin], methods: ["PUT"] }));
      expect(refused.code).toBe("Unsupported");
      expect(refused.message).toMatch(/bucketCors/);
    });
  },
);

describe.skipIf(environment === null || !bucketCors)(`configureCors on ${environment?.label ?? "an S3 server"}${environment !== null && !bucketCors ? " [skipped: profile.bucketCors is off]" : ""}`, () => {
  const bucket = `cors-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  let raw: S3Client;
  let driver: S3Driver;
  let storage: Storage;

  beforeAll(async () => {
    raw = rawClient(environment!);
    await raw.send(new CreateBucketCommand({ Bucket: bucket }));
    driver = s3Driver({
      bucket,
      region: environment!.region,
      endpoint: environment!.endpoint,
      profile: environment!.profile,
      credentials: { accessKeyId: environment!.accessKeyId, secretAccessKey: environment!.secretAccessKey },
    });
    storage = createStorage(driver);
  });

  afterAll(async () => {
    if (raw === undefined) return;
    const listed = await raw.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).map((object) => ({ Key: object.Key! }));
    if (keys.length > 0) await raw.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    await raw.send(new DeleteBucketCommand({ Bucket: bucket }));
    raw.destroy();
  });

  const readRules = async () => (await raw.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules ?? [];

  it("writes one rule that always exposes ETag, on a bucket with no CORS yet", async () => {
    const result = await configureCors(storage, { origins: [origin], methods: ["GET", "HEAD", "PUT"], exposeHeaders: ["x-amz-request-id"] });
    expect(result.bucket).toBe(bucket);
    const rules = await readRules();
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      ID: "stowage",
      AllowedOrigins: [origin],
      AllowedMethods: expect.arrayContaining(["GET", "HEAD", "PUT"]),
      AllowedHeaders: expect.arrayContaining(["content-type", "if-none-match"]),
      MaxAgeSeconds: 600,
    });
    expect(rules[0]!.ExposeHeaders!.map((name) => name.toLowerCase()).sort()).toEqual(["etag", "x-amz-request-id"]);
  });

  it("replaces its own rule and keeps the bucket's other rules", async () => {
    await raw.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: { CORSRules: [{ ID: "other-app", AllowedOrigins: ["https://other.example"], AllowedMethods: ["GET"] }] },
      }),
    );
    await configureCors(storage, { origins: ["https://first.example"], methods: ["PUT"] });
    await configureCors(driver, { origins: [origin], methods: ["GET", "HEAD", "PUT"], maxAgeSeconds: 60 }); // the driver works too
    const rules = await readRules();
    expect(rules.map((rule) => rule.ID).sort()).toEqual(["other-app", "stowage"]);
    const own = rules.find((rule) => rule.ID === "stowage")!;
    expect(own.AllowedOrigins).toEqual([origin]);
    expect(own.MaxAgeSeconds).toBe(60);
    expect(own.ExposeHeaders).toEqual(["ETag"]);
    // A storage opened with a prefix works once it is told the bucket.
    const prefixed = createStorage(withPrefix(driver, "tenant/"));
    await configureCors(prefixed, { origins: [origin], methods: ["GET", "HEAD", "PUT"], bucket, id: "tenant" });
    expect((await readRules()).map((rule) => rule.ID).sort()).toEqual(["other-app", "stowage", "tenant"]);
  });

  it("lets a browser on the origin preflight and send a signed PUT, and read its ETag", async () => {
    await configureCors(storage, { origins: [origin], methods: ["GET", "HEAD", "PUT"] });
    const key = `cors/${crypto.randomUUID()}.png`;
    const upload = await storage.signPut(key, { contentType: "image/png", size: 5, ifNotExists: true });
    const preflight = await fetch(upload.url, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "PUT", "access-control-request-headers": "content-type,if-none-match" },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
    expect(preflight.headers.get("access-control-allow-methods")).toMatch(/PUT/);
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toMatch(/content-type/);
    const foreign = await fetch(upload.url, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "PUT" } });
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();

    const put = await fetch(upload.url, { method: "PUT", headers: { ...upload.headers, origin }, body: "12345" });
    expect(put.status).toBe(200);
    expect(put.headers.get("access-control-allow-origin")).toBe(origin);
    expect(put.headers.get("access-control-expose-headers")).toMatch(/ETag/i);
    expect(put.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
  });

  // What RGW 16.2 does with CORS on refusals: a refusal after authentication (412
  // for a create-only replay) carries the CORS headers, so a page can read it; a
  // refusal by authentication (a bad or expired signature, another signed
  // Content-Type or Content-Length) carries none, so a browser sees a network
  // error (status 0). This test fails when RGW changes either way.
  it("RGW: a 412 refusal carries CORS headers; a 403 signature or expiry refusal does not", async () => {
    await configureCors(storage, { origins: [origin], methods: ["GET", "HEAD", "PUT"] });
    const key = `cors/${crypto.randomUUID()}.png`;
    const upload = await storage.signPut(key, { contentType: "image/png", size: 5, ifNotExists: true });
    const send = (url: string, headers: Record<string, string>, body: string) => fetch(url, { method: "PUT", headers: { ...headers, origin }, body });
    expect((await send(upload.url, upload.headers, "12345")).status).toBe(200);

    const replay = await send(upload.url, upload.headers, "12345");
    expect(replay.status).toBe(412);
    expect(replay.headers.get("access-control-allow-origin")).toBe(origin);
    expect(await replay.text()).toMatch(/<Code>PreconditionFailed<\/Code>/);

    const freshKey = `cors/${crypto.randomUUID()}.png`;
    const fresh = await storage.signPut(freshKey, { contentType: "image/png", size: 5, ifNotExists: true });
    const signature = /X-Amz-Signature=([0-9a-f])/.exec(fresh.url)!;
    const tamperedUrl = fresh.url.replace(`X-Amz-Signature=${signature[1]}`, `X-Amz-Signature=${signature[1] === "0" ? "1" : "0"}`);
    for (const [label, url, headers, body] of [
      ["tampered signature", tamperedUrl, fresh.headers, "12345"],
      ["other Content-Type", fresh.url, { ...fresh.headers, "content-type": "image/jpeg" }, "12345"],
      ["other Content-Length", fresh.url, fresh.headers, "1234567"],
    ] as const) {
      const refused = await send(url, headers, body);
      expect(refused.status, label).toBe(403);
      expect(refused.headers.get("access-control-allow-origin"), label).toBeNull();
      expect(await refused.text(), label).toMatch(/<Code>SignatureDoesNotMatch<\/Code>/);
    }
    expect(await storage.head(freshKey)).toBeNull();

    const shortKey = `cors/${crypto.randomUUID()}.png`;
    const short = await storage.signPut(shortKey, { contentType: "image/png", size: 5, ifNotExists: true, expiresIn: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2200));
    const expired = await send(short.url, short.headers, "12345");
    expect(expired.status).toBe(403);
    expect(expired.headers.get("access-control-allow-origin")).toBeNull();
    expect(await expired.text()).toMatch(/<Code>AccessDenied<\/Code>/);
    expect(await storage.head(shortKey)).toBeNull();
  });
});
