// copy, updateMetadata and the multipart copy on the real server: CopyObject
// up to multipartCopyThreshold (lowered here to 6 MiB so the multipart path
// runs on small objects), UploadPartCopy parts above it. No body byte passes
// through the client: the commands it sends are recorded.
import { ListMultipartUploadsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { createStorage, type Storage } from "@stowage/core";
import { s3Driver, type S3Driver } from "@stowage/s3";
import { afterAll, describe, expect, it } from "vitest";
import { rawClient, s3Environment } from "./s3-test-environment.ts";
import { recordingClient, rejectionOf, runPrefix, seededBytes, testDriver } from "./s3-test-driver.ts";

const environment = s3Environment();
const mebibyte = 1024 * 1024;
const bodyCommands = new Set(["GetObjectCommand", "PutObjectCommand", "UploadPartCommand"]);

const sha = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

async function bytesOf(storage: Storage, key: string): Promise<Uint8Array> {
  const object = await storage.get(key);
  if (object === null) throw new Error(`${key} is missing`);
  return object.bytes();
}

describe.skipIf(environment === null)(`copy on ${environment?.label ?? "an S3 server"}`, () => {
  const env = environment!;
  const prefix = runPrefix("copy");
  const recorder = recordingClient(env);
  const options = { client: recorder.client, endpoint: env.endpoint };
  const driver = testDriver(env, options);
  const storage = createStorage(driver);
  // Copies above 6 MiB go part by part, in 5 MiB parts.
  const multipart: S3Driver = testDriver(env, { ...options, multipartCopyThreshold: 6 * mebibyte, partSize: 5 * mebibyte });
  const big = createStorage(multipart);
  const raw = rawClient(env);
  const profile = driver.profile;
  const fields = {
    contentType: "text/plain; charset=utf-8",
    cacheControl: "max-age=60",
    contentDisposition: 'attachment; filename="a.txt"',
    contentEncoding: "gzip",
    metadata: { owner: "ada", step: "1" },
  };
  const openUploads = async (key: string) =>
    (await raw.send(new ListMultipartUploadsCommand({ Bucket: env.bucket, Prefix: key }))).Uploads?.filter((upload) => upload.Key === key) ?? [];
  afterAll(async () => {
    await storage.deletePrefix(prefix);
    recorder.client.destroy();
    raw.destroy();
  });

  it("claims copy and serverSideCopy; copyIfMatch and copyIfNotExists follow the profile", () => {
    expect(driver.capabilities.copy).toBe(true);
    expect(driver.capabilities.serverSideCopy).toBe(true);
    expect(driver.capabilities.copyIfMatch).toBe(profile.copySourceIfMatch && !profile.ifMatchMissesMultipartEtag);
    expect(driver.capabilities.copyIfNotExists).toBe(profile.copyIfNoneMatch && profile.conditionalMultipartComplete);
    if (!driver.capabilities.copyIfMatch) expect(driver.capabilityHints!.copyIfMatch).toMatch(/x-amz-copy-source-if-match|manifest etag/);
    if (!driver.capabilities.copyIfNotExists) expect(driver.capabilityHints!.copyIfNotExists).toMatch(/If-None-Match/);
  });

  it("copies the bytes and keeps every field, sending no body through the client", async () => {
    await storage.put(`${prefix}source`, "hello copy", fields);
    recorder.sent.length = 0;
    const info = await storage.copy(`${prefix}source`, `${prefix}target`);
    expect(recorder.sent).toContain("CopyObjectCommand");
    expect(recorder.sent.filter((name) => bodyCommands.has(name))).toEqual([]);
    const head = await storage.head(`${prefix}target`);
    expect(info).toEqual(head);
    expect(head).toMatchObject({ size: 10, ...fields });
    expect(new TextDecoder().decode(await bytesOf(storage, `${prefix}target`))).toBe("hello copy");
  });

  it("the target is independent of the source afterwards", async () => {
    await storage.put(`${prefix}independent`, "before");
    await storage.copy(`${prefix}independent`, `${prefix}independent-copy`);
    await storage.put(`${prefix}independent`, "after");
    expect(new TextDecoder().decode(await bytesOf(storage, `${prefix}independent-copy`))).toBe("before");
  });

  it("replaces the fields given (REPLACE) and keeps the source as it was", async () => {
    await storage.put(`${prefix}replace`, "{}", fields);
    const info = await storage.copy(`${prefix}replace`, `${prefix}replaced`, { contentType: "application/json", metadata: { fresh: "yes" } });
    expect(info).toMatchObject({ contentType: "application/json", metadata: { fresh: "yes" }, cacheControl: fields.cacheControl });
    expect(await storage.head(`${prefix}replaced`)).toMatchObject({ contentType: "application/json", metadata: { fresh: "yes" } });
    expect(await storage.head(`${prefix}replace`)).toMatchObject(fields);
  });

  it("updateMetadata rewrites one key's fields in place (a copy onto itself)", async () => {
    const before = await storage.put(`${prefix}in-place`, "same bytes", fields);
    const info = await storage.updateMetadata(`${prefix}in-place`, { metadata: { step: "2" }, cacheControl: "no-store" });
    expect(info).toMatchObject({ size: before.size, metadata: { step: "2" }, cacheControl: "no-store", contentType: fields.contentType });
    expect(await storage.head(`${prefix}in-place`)).toMatchObject({ metadata: { step: "2" }, cacheControl: "no-store" });
    expect(new TextDecoder().decode(await bytesOf(storage, `${prefix}in-place`))).toBe("same bytes");
  });

  it("a missing source is NotFound", async () => {
    const error = await rejectionOf(storage.copy(`${prefix}nothing-here`, `${prefix}nothing-copied`));
    expect(error.code).toBe("NotFound");
    expect(await storage.exists(`${prefix}nothing-copied`)).toBe(false);
  });

  it.each(["with space", "plus+sign", "per%25cent %", "ünïcødé 😀", "what?x=1&y=2#frag", "semi;colon,comma=eq&amp (x) [y] {z} ~!*'"])("copies a key with special characters: %s", async (name) => {
    const key = `${prefix}special/${name}`;
    await storage.put(key, name);
    await storage.copy(key, `${key}.copy`);
    expect(new TextDecoder().decode(await bytesOf(storage, `${key}.copy`))).toBe(name);
  });

  // Below Storage: the driver's pinning of a single-part source, where the
  // server honours x-amz-copy-source-if-match (Swift, whose capability is
  // still off because multipart etags never match there).
  it.runIf(profile.copySourceIfMatch)("ifMatch: a stale source etag is PreconditionFailed and nothing is copied", async () => {
    const first = await storage.put(`${prefix}pinned`, "one");
    const second = await storage.put(`${prefix}pinned`, "two");
    const error = await rejectionOf(driver.copy!(`${prefix}pinned`, `${prefix}pinned-copy`, { ifMatch: first.etag }));
    expect(error.code).toBe("PreconditionFailed");
    expect(await storage.exists(`${prefix}pinned-copy`)).toBe(false);
    await driver.copy!(`${prefix}pinned`, `${prefix}pinned-copy`, { ifMatch: second.etag });
    expect(new TextDecoder().decode(await bytesOf(storage, `${prefix}pinned-copy`))).toBe("two");
  });

  it.runIf(!driver.capabilities.copyIfMatch)("ifMatch is Unsupported, with the reason", async () => {
    const put = await storage.put(`${prefix}unpinned`, "x");
    const error = await rejectionOf(storage.copy(`${prefix}unpinned`, `${prefix}unpinned-copy`, { ifMatch: put.etag }));
    expect(error.code).toBe("Unsupported");
    expect(error.message).toMatch(/x-amz-copy-source-if-match|manifest etag/);
  });

  it.runIf(!driver.capabilities.copyIfNotExists)("ifNotExists is Unsupported, with the reason", async () => {
    await storage.put(`${prefix}create-only`, "x");
    const error = await rejectionOf(storage.copy(`${prefix}create-only`, `${prefix}create-only-copy`, { ifNotExists: true }));
    expect(error.code).toBe("Unsupported");
    expect(error.message).toMatch(/If-None-Match/);
  });

  describe("above multipartCopyThreshold", () => {
    const size = 13 * mebibyte;
    const data = seededBytes(size, 7);

    it("copies in parts (UploadPartCopy), keeps the fields and returns the target's info", async () => {
      await big.put(`${prefix}big`, data, fields);
      recorder.sent.length = 0;
      const info = await big.copy(`${prefix}big`, `${prefix}big-copy`);
      expect(recorder.sent.filter((name) => name === "UploadPartCopyCommand")).toHaveLength(3);
      expect(recorder.sent.filter((name) => bodyCommands.has(name))).toEqual([]);
      expect(info.etag).toMatch(/-3$/);
      expect(info).toEqual(await big.head(`${prefix}big-copy`));
      expect(info).toMatchObject({ size, ...fields });
      expect(sha(await bytesOf(big, `${prefix}big-copy`))).toBe(sha(data));
    });

    it("a source uploaded in parts (etag <md5>-N) copies whole, in one CopyObject and in parts", async () => {
      const streamed = seededBytes(17 * mebibyte + 3, 11);
      const put = await big.put(`${prefix}parts`, new Blob([streamed.buffer as ArrayBuffer]).stream(), fields);
      expect(put.etag).toMatch(/-\d+$/);
      await storage.copy(`${prefix}parts`, `${prefix}parts-single`);
      await big.copy(`${prefix}parts`, `${prefix}parts-multipart`);
      for (const key of [`${prefix}parts-single`, `${prefix}parts-multipart`]) {
        expect(sha(await bytesOf(big, key))).toBe(sha(streamed));
        expect(await big.head(key)).toMatchObject({ size: streamed.byteLength, ...fields });
      }
    });

    it("updateMetadata of a large object rewrites its fields and keeps its bytes", async () => {
      await big.put(`${prefix}big-meta`, data, fields);
      const info = await big.updateMetadata(`${prefix}big-meta`, { contentType: "application/octet-stream", metadata: { step: "2" } });
      expect(info).toMatchObject({ size, contentType: "application/octet-stream", metadata: { step: "2" }, cacheControl: fields.cacheControl });
      expect(sha(await bytesOf(big, `${prefix}big-meta`))).toBe(sha(data));
    });

    it("an abort stops the copy, aborts the upload and leaves the target as it was", async () => {
      await big.put(`${prefix}big-abort`, data);
      await storage.put(`${prefix}big-abort-target`, "old target");
      const controller = new AbortController();
      recorder.setHook((command) => {
        if (command === "UploadPartCopyCommand") controller.abort(new Error("stop"));
      });
      try {
        const error = await rejectionOf(big.copy(`${prefix}big-abort`, `${prefix}big-abort-target`, { signal: controller.signal }));
        expect(error.code).toBe("Aborted");
      } finally {
        recorder.setHook(undefined);
      }
      await expect.poll(() => openUploads(`${prefix}big-abort-target`), { timeout: 10_000 }).toEqual([]);
      expect(new TextDecoder().decode(await bytesOf(storage, `${prefix}big-abort-target`))).toBe("old target");
    });

    it("a source replaced midway is copied whole, never mixed (started over from the new version)", async () => {
      const replacement = seededBytes(size, 9);
      await big.put(`${prefix}big-race`, data);
      let replaced = false;
      recorder.setHook(async (command, input) => {
        if (command === "UploadPartCopyCommand" && input.PartNumber === 2 && !replaced) {
          replaced = true;
          await raw.send(new PutObjectCommand({ Bucket: env.bucket, Key: `${prefix}big-race`, Body: replacement }));
        }
      });
      try {
        await big.copy(`${prefix}big-race`, `${prefix}big-race-copy`);
      } finally {
        recorder.setHook(undefined);
      }
      expect(replaced).toBe(true);
      expect(sha(await bytesOf(big, `${prefix}big-race-copy`))).toBe(sha(replacement));
      expect(await openUploads(`${prefix}big-race-copy`)).toEqual([]);
    });

    it.runIf(profile.copySourceIfMatch)("with ifMatch, a source replaced midway is PreconditionFailed and nothing stays staged", async () => {
      const put = await big.put(`${prefix}big-pinned`, data);
      await storage.put(`${prefix}big-pinned-copy`, "old target");
      let replaced = false;
      recorder.setHook(async (command, input) => {
        if (command === "UploadPartCopyCommand" && input.PartNumber === 2 && !replaced) {
          replaced = true;
          await raw.send(new PutObjectCommand({ Bucket: env.bucket, Key: `${prefix}big-pinned`, Body: "changed" }));
        }
      });
      try {
        const error = await rejectionOf(multipart.copy!(`${prefix}big-pinned`, `${prefix}big-pinned-copy`, { ifMatch: put.etag }));
        expect(error.code).toBe("PreconditionFailed");
      } finally {
        recorder.setHook(undefined);
      }
      await expect.poll(() => openUploads(`${prefix}big-pinned-copy`), { timeout: 10_000 }).toEqual([]);
      expect(new TextDecoder().decode(await bytesOf(storage, `${prefix}big-pinned-copy`))).toBe("old target");
    });
  });

  it("multipartCopyThreshold and signingEndpoint are checked", () => {
    const base = { bucket: "b", region: "us-east-1", endpoint: env.endpoint };
    for (const multipartCopyThreshold of [0, 1.5, 6 * 1024 * mebibyte, "1" as unknown as number]) {
      expect(() => s3Driver({ ...base, multipartCopyThreshold })).toThrow(/multipartCopyThreshold/);
    }
    for (const signingEndpoint of ["", "ftp://files.example.com", "not a url", "https://files.example.com/?a=1", "https://user:pw@files.example.com"]) {
      expect(() => s3Driver({ ...base, signingEndpoint })).toThrow(/signingEndpoint/);
    }
    expect(s3Driver({ ...base, multipartCopyThreshold: 1, signingEndpoint: "https://files.example.com/s3" }).name).toBe("s3");
  });
});
