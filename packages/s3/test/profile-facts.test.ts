// The server's profile facts, checked against the server itself with raw S3
// requests (no driver), so a profile cannot drift from what the server does.
// Runs on Ceph RGW (project s3) and OpenStack Swift (s3-swift).
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
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

  const stale = "0123456789abcdef0123456789abcdef";
  const quoted = (etag: string) => (profile.ifMatchQuoted ? `"${etag}"` : etag);
  const headStatus = (key: string) => statusOf(raw.send(new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}${key}` })));
  const copy = (from: string, to: string, extra: Record<string, unknown> = {}) => {
    written.push(`${prefix}${to}`);
    return raw.send(new CopyObjectCommand({ Bucket: bucket, Key: `${prefix}${to}`, CopySource: `${bucket}/${prefix}${from}`, ...extra }));
  };

  it(`deleteIfMatch (${profile.deleteIfMatch}): DeleteObject with a stale If-Match ${profile.deleteIfMatch ? "is 412 and the object stays" : "deletes anyway"}`, async () => {
    const { ETag } = await put("delete-if-match", "x");
    const send = (etag: string) => statusOf(raw.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}delete-if-match`, IfMatch: etag })));
    for (const etag of [`"${stale}"`, stale, `${ETag!.replace(/"$/, "")}x"`]) {
      await put("delete-if-match", "x");
      expect(await send(etag)).toBe(profile.deleteIfMatch ? 412 : 204);
      expect(await headStatus("delete-if-match")).toBe(profile.deleteIfMatch ? 200 : 404);
    }
    await put("delete-if-match", "x");
    expect(await send(quoted(ETag!.replace(/"/g, "")))).toBe(204);
    expect(await headStatus("delete-if-match")).toBe(404);
  });

  it(`deleteIfMatchMissingSucceeds (${profile.deleteIfMatchMissingSucceeds}): DeleteObject If-Match of a missing key is ${profile.deleteIfMatchMissingSucceeds ? "204" : "404 or 412"}`, async () => {
    const status = await statusOf(raw.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}never-written`, IfMatch: quoted(stale) })));
    if (profile.deleteIfMatchMissingSucceeds) expect(status).toBe(204);
    else expect([404, 412]).toContain(status);
  });

  it(`copySourceIfMatch (${profile.copySourceIfMatch}): a stale x-amz-copy-source-if-match is ${profile.copySourceIfMatch ? "412" : "ignored"} on CopyObject and UploadPartCopy`, async () => {
    const { ETag } = await put("copy-source", "source");
    for (const etag of [`"${stale}"`, stale]) {
      expect(await statusOf(copy("copy-source", "copy-source-target", { CopySourceIfMatch: etag }))).toBe(profile.copySourceIfMatch ? 412 : 200);
    }
    expect(await statusOf(copy("copy-source", "copy-source-target", { CopySourceIfMatch: quoted(ETag!.replace(/"/g, "")) }))).toBe(200);
    const target = `${prefix}copy-part-target`;
    const { UploadId } = await raw.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: target }));
    try {
      const part = raw.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: target,
          UploadId,
          PartNumber: 1,
          CopySource: `${bucket}/${prefix}copy-source`,
          CopySourceRange: "bytes=0-2",
          CopySourceIfMatch: `"${stale}"`,
        }),
      );
      expect(await statusOf(part)).toBe(profile.copySourceIfMatch ? 412 : 200);
    } finally {
      await raw.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: target, UploadId }));
    }
  });

  it(`copyIfNoneMatch (${profile.copyIfNoneMatch}): CopyObject If-None-Match: * onto an existing key is ${profile.copyIfNoneMatch ? "412" : profile.name === "swift" ? "501" : "ignored (overwrites)"}`, async () => {
    await put("copy-create-only", "source");
    await put("copy-create-only-target", "target");
    const status = await statusOf(copy("copy-create-only", "copy-create-only-target", { IfNoneMatch: "*" }));
    const body = await raw.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}copy-create-only-target` })).then((output) => output.Body!.transformToString());
    if (profile.copyIfNoneMatch) {
      expect(status).toBe(412);
      expect(body).toBe("target");
    } else {
      expect([200, 501]).toContain(status);
      if (status === 501) expect(profile.name).toBe("swift");
      expect(body).toBe(status === 200 ? "source" : "target");
    }
  });

  it(`ifMatchMissesMultipartEtag (${profile.ifMatchMissesMultipartEtag}): copy-source If-Match and DeleteObject If-Match with an "<md5>-N" etag ${profile.ifMatchMissesMultipartEtag ? "are 412" : "do not fail"}`, async () => {
    const key = `${prefix}in-parts`;
    written.push(key);
    const { UploadId } = await raw.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const first = await raw.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: new Uint8Array(5 * 1024 * 1024) }));
    const second = await raw.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: "tail" }));
    await raw.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: first.ETag }, { PartNumber: 2, ETag: second.ETag }] } }),
    );
    const { ETag } = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(ETag).toMatch(/-2"$/);
    const etag = quoted(ETag!.replace(/"/g, ""));
    expect(await statusOf(raw.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag })))).toBe(200);
    expect(await statusOf(copy("in-parts", "in-parts-copy", { CopySourceIfMatch: etag }))).toBe(profile.ifMatchMissesMultipartEtag ? 412 : 200);
    expect(await statusOf(raw.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag })))).toBe(profile.ifMatchMissesMultipartEtag ? 412 : 204);
  });

  it(`startAfterListsEnclosingPrefix (${profile.startAfterListsEnclosingPrefix}): StartAfter "s/a/1" with a delimiter ${profile.startAfterListsEnclosingPrefix ? "lists" : "does not list"} "s/a/"`, async () => {
    for (const key of ["s/a/1", "s/a/2", "s/b"]) await put(key, "x");
    const output = await raw.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}s/`, Delimiter: "/", StartAfter: `${prefix}s/a/1` }),
    );
    const prefixes = (output.CommonPrefixes ?? []).map((entry) => entry.Prefix);
    expect(prefixes.includes(`${prefix}s/a/`)).toBe(profile.startAfterListsEnclosingPrefix);
    expect((output.Contents ?? []).map((entry) => entry.Key)).toEqual([`${prefix}s/b`]);
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
