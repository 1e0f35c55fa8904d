// Which profile a driver gets when none is named: no endpoint or AWS → aws
// with no request; a custom endpoint → the conservative "generic" profile
// for s3Driver, or a one-time HeadBucket whose headers name the server
// (detectS3Profile). Checked on the real Ceph RGW and OpenStack Swift.
import { DeleteObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createStorage, isStorageError, type StorageError } from "@stowage/core";
import { detectS3Profile, genericS3Profile, recogniseS3Server, s3Driver, s3ProfileNames, s3Profiles, type S3DriverOptions } from "@stowage/s3";
import { afterAll, describe, expect, it } from "vitest";
import { s3Environment } from "./s3-test-environment.ts";

// This project's server: Ceph RGW in the `s3` project, OpenStack Swift in `s3-swift`.
const server = s3Environment();
const serverProfile = server === null ? undefined : ((server as { profile?: string }).profile ?? "ceph-rgw");
const serverLabel = server === null ? "S3 server" : ((server as { label?: string }).label ?? "Ceph RGW");

async function refusal(promise: Promise<unknown>): Promise<StorageError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isStorageError(error), `expected a StorageError, got ${String(error)}`).toBe(true);
  return error as StorageError;
}

/** A client that counts the requests it sends (the probe uses a client passed in). */
function countingClient(options: { endpoint?: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } }) {
  const client = new S3Client({
    ...options,
    forcePathStyle: true,
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

describe("the profile without a probe", () => {
  const base = { bucket: "b", region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "s" } };

  it("no endpoint (AWS-style configuration): aws, and detectS3Profile sends nothing", async () => {
    expect(s3Driver(base).profile).toBe(s3Profiles.aws);
    const { client, sent } = countingClient({ region: "us-east-1", credentials: base.credentials });
    const detection = await detectS3Profile({ ...base, client });
    expect(detection).toMatchObject({ profile: s3Profiles.aws, source: "endpoint" });
    expect(sent).toEqual([]);
  });

  it("an AWS or R2 endpoint: aws or r2 by host name, without a request", async () => {
    expect(s3Driver({ ...base, endpoint: "https://s3.eu-west-1.amazonaws.com" }).profile).toBe(s3Profiles.aws);
    expect(s3Driver({ ...base, endpoint: "https://s3.dualstack.us-east-1.amazonaws.com" }).profile).toBe(s3Profiles.aws);
    expect(s3Driver({ ...base, region: "auto", endpoint: "https://acct.r2.cloudflarestorage.com" }).profile).toBe(s3Profiles.r2);
    // A look-alike host is not AWS.
    expect(s3Driver({ ...base, endpoint: "https://amazonaws.com.evil.example" }).profile).toBe(genericS3Profile);
    const detection = await detectS3Profile({ ...base, endpoint: "https://s3.eu-west-1.amazonaws.com" });
    expect(detection).toMatchObject({ profile: s3Profiles.aws, source: "endpoint" });
  });

  it("a custom endpoint with no profile: s3Driver takes generic, whose conditional puts are refused with the fix", async () => {
    const driver = s3Driver({ ...base, endpoint: "http://127.0.0.1:9" });
    expect(driver.profile).toBe(genericS3Profile);
    const storage = createStorage(driver);
    expect(storage.capabilities.putIfMatch).toBe(false);
    expect(storage.capabilities.putIfNotExists).toBe(false);
    expect(storage.capabilities.signPutIfNotExists).toBe(false);
    for (const options of [{ ifMatch: "0123456789abcdef0123456789abcdef" }, { ifNotExists: true }]) {
      const error = await refusal(storage.put("k", "v", options));
      expect(error.code).toBe("Unsupported");
      expect(error.message).toMatch(/generic S3 profile/);
      expect(error.message).toMatch(/profile: "ceph-rgw"/);
      expect(error.message).toMatch(/&profile=/);
    }
  });

  it("an unknown profile name is InvalidArgument listing the valid names (not a TypeError)", () => {
    let caught: unknown;
    try {
      s3Driver({ ...base, endpoint: "http://127.0.0.1:9", profile: "cephrgw" as never });
    } catch (error) {
      caught = error;
    }
    expect(isStorageError(caught, "InvalidArgument"), String(caught)).toBe(true);
    const message = (caught as Error).message;
    expect(message).toMatch(/unknown S3 profile "cephrgw"; did you mean "ceph-rgw"\?/);
    for (const name of s3ProfileNames()) expect(message).toContain(name);
    expect(s3ProfileNames()).toEqual(expect.arrayContaining(["aws", "r2", "minio", "ceph-rgw", "generic"]));
  });

  it("an unreachable server: detection falls back to generic and says why", async () => {
    const detection = await detectS3Profile({ ...base, endpoint: "http://127.0.0.1:9" });
    expect(detection.profile).toBe(genericS3Profile);
    expect(detection.source).toBe("fallback");
    expect(detection.reason).toMatch(/no answer/);
  });
});

describe("recogniseS3Server (headers measured on RGW 16.2.15 and Swift 2.30.1)", () => {
  it("RGW: x-rgw-* on an allowed HeadBucket, or its transaction id shape on any answer", () => {
    expect(
      recogniseS3Server({ "x-rgw-object-count": "0", "x-rgw-bytes-used": "0", "x-amz-request-id": "tx000006d5c225742362a90-006b0c9a8d-100e-default" }).kind,
    ).toBe("ceph-rgw");
    expect(recogniseS3Server({ "X-Amz-Request-Id": "tx0000081b8b6a004dafada-006b0c9a8d-100e-default", "content-type": "application/xml" }).kind).toBe("ceph-rgw");
  });

  it("Swift: X-Trans-Id / X-Openstack-Request-Id, even though its x-amz-request-id looks like RGW's", () => {
    const id = "tx99139fb50c344fed8078f-006b0c9a8e";
    expect(recogniseS3Server({ "x-amz-id-2": id, "x-amz-request-id": id, "x-trans-id": id, "x-openstack-request-id": id }).kind).toBe("swift");
    expect(recogniseS3Server({ "x-trans-id": id }).kind).toBe("swift");
  });

  it("anything else is not recognised", () => {
    expect(recogniseS3Server({ server: "AmazonS3", "x-amz-request-id": "4442587FB7D0A2F9", "x-amz-id-2": "abc" }).kind).toBeUndefined();
    expect(recogniseS3Server({ "x-amz-request-id": "tx000006d5c225742362a90-006b0c9a8d" }).kind).toBeUndefined();
    expect(recogniseS3Server({}).kind).toBeUndefined();
  });
});

/** What the generic profile must still do on any server: plain puts, gets, ranges, lists, multi-key deletes. */
async function genericRoundTrip(options: S3DriverOptions): Promise<void> {
  const storage = createStorage(s3Driver({ ...options, profile: "generic" }));
  const prefix = `profile-detection/generic-${crypto.randomUUID()}/`;
  await storage.put(`${prefix}a`, "alpha");
  await storage.put(`${prefix}b`, "beta");
  expect(await (await storage.get(`${prefix}a`, { range: { offset: 1, length: 3 } }))!.text()).toBe("lph");
  expect((await storage.list({ prefix })).objects.map((object) => object.key)).toEqual([`${prefix}a`, `${prefix}b`]);
  await storage.delete([`${prefix}a`, `${prefix}b`]);
  expect((await storage.list({ prefix })).objects).toEqual([]);
}

const evidence: Record<string, RegExp> = { "ceph-rgw": /x-rgw-|x-amz-request-id: tx/, swift: /x-openstack-request-id|x-trans-id/ };

describe.skipIf(server === null)(`${serverLabel} without profile=`, () => {
  const options = (): S3DriverOptions => ({
    bucket: server!.bucket,
    region: server!.region,
    endpoint: server!.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: server!.accessKeyId, secretAccessKey: server!.secretAccessKey },
  });
  /** The profile detection must find: the server's own, or generic (saying which server it saw) where this package has none. */
  const expected = () => (Object.prototype.hasOwnProperty.call(s3Profiles, serverProfile!) ? (s3Profiles as Record<string, unknown>)[serverProfile!] : genericS3Profile);

  it("is recognised by one HeadBucket", async () => {
    const { client, sent } = countingClient({ endpoint: server!.endpoint, region: server!.region, credentials: options().credentials! });
    const detection = await detectS3Profile({ ...options(), client });
    client.destroy();
    expect(sent).toEqual(["HeadBucketCommand"]);
    expect(detection.profile).toBe(expected());
    expect(detection.reason).toContain(serverProfile);
    expect(detection.reason).toMatch(evidence[serverProfile!]!);
  });

  it("is recognised with credentials it refuses (the 403 carries the same headers)", async () => {
    const detection = await detectS3Profile({ ...options(), credentials: { accessKeyId: server!.accessKeyId, secretAccessKey: "wrong" } });
    expect(detection.profile).toBe(expected());
    expect(detection.reason).toMatch(evidence[serverProfile!]!);
  });

  it("gets what the recognised profile claims, and no more", async () => {
    const { profile } = await detectS3Profile(options());
    const storage = createStorage(s3Driver({ ...options(), profile }));
    const key = `profile-detection/${crypto.randomUUID()}`;
    try {
      if (profile.putIfMatch) {
        // Compare-and-swap: on RGW this failed with the aws profile (quoted If-Match).
        const first = await storage.put(key, "one", { ifNotExists: true });
        const second = await storage.put(key, "two", { ifMatch: first.etag });
        expect(await (await storage.get(key))!.text()).toBe("two");
        expect((await refusal(storage.put(key, "three", { ifMatch: first.etag }))).code).toBe("PreconditionFailed");
        expect((await storage.head(key))!.etag).toBe(second.etag);
      } else {
        // Swift: refused before any request, with the reason.
        expect(serverProfile).not.toBe("ceph-rgw");
        const error = await refusal(storage.put(key, "x", { ifNotExists: true }));
        expect(error.code).toBe("Unsupported");
        expect(error.message).toMatch(/capability putIfNotExists is off/);
        expect(await storage.head(key)).toBeNull();
      }
    } finally {
      await storage.delete(key);
    }
  });

  it("the generic profile puts, gets a range, lists and deletes several keys", async () => {
    await genericRoundTrip(options());
  });

  it.runIf(serverProfile === "swift")("a conditional PUT sent anyway gets 501, which maps to Unsupported, not retryable", async () => {
    // The aws profile claims conditional puts, so the request reaches Swift.
    const driver = s3Driver({ ...options(), profile: "aws" });
    const key = `profile-detection/${crypto.randomUUID()}`;
    const error = await refusal(createStorage(driver).put(key, "x", { ifNotExists: true }));
    expect(error.code).toBe("Unsupported");
    expect(error.retryable).toBe(false);
    expect(error).toMatchObject({ s3Code: "NotImplemented", httpStatus: 501 });
    expect(error.message).toMatch(/Conditional object PUTs are not supported/);
    expect(error.message).toMatch(/profile/);
    await driver.raw.send(new DeleteObjectCommand({ Bucket: server!.bucket, Key: key })).catch(() => undefined);
  });
});
