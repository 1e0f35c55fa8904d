// The server's profile facts, checked against the server itself with raw S3
// requests (no driver), so a profile cannot drift from what the server does.
// Runs on Ceph RGW (project s3) and OpenStack Swift (s3-swift).
import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { s3Profiles } from "@stowage/s3";
import { afterAll, describe, expect, it } from "vitest";
import { s3Environment } from "./s3-test-environment.ts";

const environment = s3Environment();
const prefix = `profile-facts/${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}/`;

/** The HTTP status a raw request ends with. */
async function statusOf(promise: Promise<{ $metadata: { httpStatusCode?: number } }>): Promise<number | undefined> {
  return promise.then(
    (output) => output.$metadata.httpStatusCode,
    (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode,
  );
}

describe.skipIf(environment === null)(`profile facts hold on ${environment?.label ?? "an S3 server"}`, () => {
  const profile = s3Profiles[environment!.profile];
  // One attempt: the SDK retries a 500, which is one of the answers checked.
  const raw = new S3Client({
    region: environment!.region,
    endpoint: environment!.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: environment!.accessKeyId, secretAccessKey: environment!.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 1,
  });
  const bucket = environment!.bucket;
  const written: string[] = [];
  const put = async (key: string, body: string, extra: Record<string, unknown> = {}) => {
    written.push(`${prefix}${key}`);
    return raw.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${key}`, Body: body, ...extra }));
  };
  afterAll(async () => {
    for (const key of written) await raw.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: key }] } })).catch(() => undefined);
    raw.destroy();
  });

  it(`putIfNotExists / putIfMatch (${profile.putIfNotExists}): PUT If-None-Match: * on an existing key is ${profile.putIfNotExists ? "412" : "501"}`, async () => {
    const first = await put("conditional", "one");
    expect(await statusOf(put("conditional", "two", { IfNoneMatch: "*" }))).toBe(profile.putIfNotExists ? 412 : 501);
    const etag = profile.ifMatchQuoted ? first.ETag : first.ETag!.replace(/"/g, "");
    expect(await statusOf(put("conditional", "three", { IfMatch: etag }))).toBe(profile.putIfMatch ? 200 : 501);
  });

  it(`supportsChecksumSha256 (${profile.supportsChecksumSha256}): a wrong x-amz-checksum-sha256 is ${profile.supportsChecksumSha256 ? "refused" : "accepted"}`, async () => {
    const wrong = createHash("sha256").update("something else").digest("base64");
    const status = await statusOf(put("sha", "x", { ChecksumSHA256: wrong }));
    if (profile.supportsChecksumSha256) expect(status).toBe(400);
    else expect(status).toBe(200);
  });

  it(`getConditionsComparePrefix (${profile.getConditionsComparePrefix}): GET If-Match "<etag>x" is ${profile.getConditionsComparePrefix ? "200" : "412"}`, async () => {
    const { ETag } = await put("get-conditions", "x");
    const suffixed = `${ETag!.replace(/"$/, "")}x"`;
    const key = `${prefix}get-conditions`;
    expect(await statusOf(raw.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: suffixed })))).toBe(profile.getConditionsComparePrefix ? 200 : 412);
    expect(await statusOf(raw.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfNoneMatch: suffixed })))).toBe(profile.getConditionsComparePrefix ? 304 : 200);
  });

  it(`deleteObjectsNeedsContentMd5 (${profile.deleteObjectsNeedsContentMd5}): DeleteObjects with the SDK's CRC32 is ${profile.deleteObjectsNeedsContentMd5 ? "400" : "200"}`, async () => {
    await put("multi/1", "x");
    await put("multi/2", "x");
    const objects = [{ Key: `${prefix}multi/1` }, { Key: `${prefix}multi/2` }];
    expect(await statusOf(raw.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } })))).toBe(
      profile.deleteObjectsNeedsContentMd5 ? 400 : 200,
    );
  });

  it(`maxMetadataValueBytes (${profile.maxMetadataValueBytes}): the longest value is stored, one byte more is a 500`, async () => {
    const limit = profile.maxMetadataValueBytes;
    if (limit === undefined) {
      expect(await statusOf(put("metadata", "x", { Metadata: { long: "v".repeat(2000) } }))).toBe(200);
      return;
    }
    expect(await statusOf(put("metadata", "x", { Metadata: { long: "v".repeat(limit) } }))).toBe(200);
    const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}metadata` }));
    expect(head.Metadata?.long).toHaveLength(limit);
    expect(await statusOf(put("metadata", "x", { Metadata: { long: "v".repeat(limit + 1) } }))).toBe(500);
  });

  it.skipIf(profile.supportsPostPolicy)(`supportsPostPolicy (${profile.supportsPostPolicy}): a POST Object form upload is refused`, async () => {
    const form = new FormData();
    form.set("key", `${prefix}posted`);
    form.set("file", new Blob(["x"]));
    const response = await fetch(`${environment!.endpoint}/${bucket}`, { method: "POST", body: form });
    await response.arrayBuffer();
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(await statusOf(raw.send(new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}posted` })))).toBe(404);
  });
});
