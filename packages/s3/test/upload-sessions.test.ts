// Multipart upload sessions (storage.uploads) on Ceph RGW (project s3) and
// OpenStack Swift's s3api (s3-swift): parts PUT by an unauthenticated client
// to the driver's part URLs, what the server enforces about them, and what
// completion, abort and abortAll leave behind.
import { createStorage, s3UploadLimits, type SignedRequest, type UploadSession } from "@stowage/core";
import { describe, expect, it } from "vitest";
import { s3Environment } from "./s3-test-environment.ts";
import { rejectionOf, runPrefix, seededBytes, testDriver } from "./s3-test-driver.ts";

const environment = s3Environment();
const mebibyte = 1024 * 1024;

async function sha256(bytes: Uint8Array): Promise<string> {
  return Buffer.from(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)).toString("hex");
}

/** PUTs `body` to a signed part URL as a browser would (no credentials); the status. */
async function putPart(signed: SignedRequest, body: Uint8Array, url = signed.url): Promise<Response> {
  const response = await fetch(url, { method: signed.method, headers: signed.headers, body: body as Uint8Array<ArrayBuffer> });
  await response.arrayBuffer();
  return response;
}

if (environment === null) {
  describe.skip("upload sessions [SKIPPED: the S3 server could not be installed]", () => {
    it("needs a real S3 server", () => {});
  });
} else {
  const driver = testDriver(environment);
  const storage = createStorage(driver);
  const prefix = runPrefix("upload-sessions");
  const listed = async (key: string) => (await storage.uploads.list({ prefix: key })).filter((upload) => upload.key === key);

  describe(`upload sessions on ${environment.label}`, () => {
    it("claims sessions, with the profile's limits and its create-only completion", async () => {
      expect(driver.capabilities.multipartUpload).toBe(true);
      expect(driver.capabilities.signUploadPart).toBe(true);
      expect(driver.capabilities.uploadIfNotExists).toBe(driver.profile.conditionalMultipartComplete);
      expect(storage.uploads.limits).toEqual(environment.profile === "swift" ? { ...s3UploadLimits, maxParts: 1000 } : s3UploadLimits);
      if (!driver.capabilities.uploadIfNotExists) {
        expect(driver.capabilityHints?.uploadIfNotExists).toMatch(/conditionalMultipartComplete/);
        const refused = await rejectionOf(storage.uploads.create(`${prefix}create-only`, { ifNotExists: true }));
        expect(refused.code).toBe("Unsupported");
        expect(await listed(`${prefix}create-only`)).toEqual([]);
      }
    });

    it("the server takes part numbers up to the profile's maxParts and no more", async () => {
      const key = `${prefix}part-limit`;
      const session = await storage.uploads.create(key);
      try {
        const limit = storage.uploads.limits.maxParts;
        const sign = (partNumber: number) =>
          driver.signUploadPart!(key, session.uploadId, partNumber, { expiresIn: 300, now: new Date(), expiresAt: new Date(Date.now() + 300_000) });
        expect((await putPart(await sign(limit), seededBytes(10))).status).toBe(200);
        // RGW 16 takes part 10,001 (S3's limit is enforced by Storage); Swift refuses 1,001.
        if (limit < s3UploadLimits.maxParts) expect((await putPart(await sign(limit + 1), seededBytes(10))).status).toBe(400);
      } finally {
        await storage.uploads.abort(session);
      }
    });

    it("parts PUT out of order to signed URLs complete to the exact bytes, type and metadata; nothing is visible before", async () => {
      const key = `${prefix}video.mp4`;
      const data = seededBytes(12 * mebibyte + 1234, 7);
      const session = await storage.uploads.create(key, {
        size: data.byteLength,
        partSize: 5 * mebibyte,
        contentType: "video/mp4",
        cacheControl: "max-age=60",
        metadata: { owner: "alice", purpose: "session-test" },
      });
      expect(session.partCount).toBe(3);
      const urls = await storage.uploads.signParts(session, [3, 1, 2]);
      const slice = (partNumber: number) => data.subarray((partNumber - 1) * session.partSize, partNumber * session.partSize);
      // A part of another length than signed is refused: both servers check the signed Content-Length.
      const last = urls[0];
      expect((await putPart(last, seededBytes(slice(3).byteLength + 1, 3))).status).toBe(403);
      expect((await putPart(last, slice(3).subarray(1))).status).toBe(403);
      expect(await storage.uploads.listParts(session)).toEqual([]);
      for (const [index, partNumber] of [3, 1, 2].entries()) expect((await putPart(urls[index], slice(partNumber))).status).toBe(200);

      const parts = await storage.uploads.listParts(session);
      expect(parts.map((part) => [part.partNumber, part.size])).toEqual([
        [1, 5 * mebibyte],
        [2, 5 * mebibyte],
        [3, 2 * mebibyte + 1234],
      ]);
      for (const part of parts) expect(part.etag).toMatch(/^[0-9a-f]{32}$/);
      expect(await storage.head(key)).toBeNull();
      expect((await storage.list({ prefix: key })).objects).toEqual([]);
      expect((await listed(key)).map((upload) => upload.uploadId)).toEqual([session.uploadId]);

      const info = await storage.uploads.complete(session);
      expect(info).toMatchObject({ key, size: data.byteLength, contentType: "video/mp4", cacheControl: "max-age=60", metadata: { owner: "alice", purpose: "session-test" } });
      expect(info.etag).toMatch(/^[0-9a-f]{32}-3$/);
      const stored = await storage.get(key);
      expect(stored).not.toBeNull();
      expect(stored!.etag).toBe(info.etag);
      expect(stored!.contentType).toBe("video/mp4");
      expect(stored!.metadata).toEqual({ owner: "alice", purpose: "session-test" });
      expect(await sha256(await stored!.bytes())).toBe(await sha256(data));
      expect(await listed(key)).toEqual([]);
    });

    it("a part URL with another part number, upload id or signature is refused", async () => {
      const key = `${prefix}tamper`;
      const other = await storage.uploads.create(`${prefix}tamper-other`);
      const session = await storage.uploads.create(key);
      try {
        const [signed] = await storage.uploads.signParts(session, [1]);
        const body = seededBytes(100);
        const tampered = (name: string, value: string) => {
          const url = new URL(signed.url);
          url.searchParams.set(name, value);
          return url.toString();
        };
        const signature = new URL(signed.url).searchParams.get("X-Amz-Signature")!;
        const flipped = `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`;
        expect((await putPart(signed, body, tampered("partNumber", "2"))).status).toBe(403);
        expect((await putPart(signed, body, tampered("uploadId", other.uploadId))).status).toBe(403);
        expect((await putPart(signed, body, tampered("X-Amz-Signature", flipped))).status).toBe(403);
        expect(await storage.uploads.listParts(session)).toEqual([]);
        expect(await storage.uploads.listParts(other)).toEqual([]);
        expect((await putPart(signed, body)).status).toBe(200);
        expect((await storage.uploads.listParts(session)).map((part) => part.partNumber)).toEqual([1]);
      } finally {
        await storage.uploads.abort(session);
        await storage.uploads.abort(other);
      }
    });

    it("a part URL signed with a clock in the past has expired", async () => {
      const past = createStorage(driver, { clock: () => Date.now() - 2 * 3600_000 });
      const session = await past.uploads.create(`${prefix}expired`);
      try {
        const [signed] = await past.uploads.signParts(session, [1], { expiresIn: 600 });
        expect(signed.expiresAt.getTime()).toBeLessThan(Date.now());
        expect((await putPart(signed, seededBytes(100))).status).toBe(403);
        expect(await storage.uploads.listParts(session)).toEqual([]);
      } finally {
        await storage.uploads.abort(session);
      }
    });

    it("abort discards the upload (twice is fine); its parts and listing are gone", async () => {
      const key = `${prefix}aborted`;
      const session = await storage.uploads.create(key);
      const [signed] = await storage.uploads.signParts(session, [1]);
      expect((await putPart(signed, seededBytes(1000))).status).toBe(200);
      expect(await listed(key)).toHaveLength(1);
      await storage.uploads.abort(session);
      await storage.uploads.abort(session);
      expect(await listed(key)).toEqual([]);
      expect((await rejectionOf(storage.uploads.listParts(session))).code).toBe("NotFound");
      expect((await putPart(signed, seededBytes(1000))).status).toBe(404);
      expect(await storage.head(key)).toBeNull();
    });

    it("abortAll({ olderThan }) aborts only the uploads initiated before it", async () => {
      const under = `${prefix}abandoned/`;
      const old = await storage.uploads.create(`${under}old`);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const cutoff = new Date();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const fresh = await storage.uploads.create(`${under}fresh`);
      try {
        expect((await storage.uploads.list({ prefix: under })).map((upload) => upload.key).sort()).toEqual([`${under}fresh`, `${under}old`]);
        expect(await storage.uploads.abortAll({ prefix: under, olderThan: cutoff })).toEqual({ aborted: 1 });
        const left = await storage.uploads.list({ prefix: under });
        expect(left.map((upload) => upload.uploadId)).toEqual([fresh.uploadId]);
        expect(left[0].initiated.getTime()).toBeGreaterThanOrEqual(cutoff.getTime() - 1000);
        expect((await rejectionOf(storage.uploads.listParts(old))).code).toBe("NotFound");
      } finally {
        await storage.uploads.abort(fresh);
        await storage.uploads.abort(old);
      }
    });

    it("completing over maxSize is TooLarge, and the upload is gone", async () => {
      const key = `${prefix}too-large`;
      const session: UploadSession = await storage.uploads.create(key, { maxSize: 5 * mebibyte, partSize: 5 * mebibyte });
      const urls = await storage.uploads.signParts(session, [1, 2]);
      expect((await putPart(urls[0], seededBytes(5 * mebibyte, 5))).status).toBe(200);
      expect((await putPart(urls[1], seededBytes(10, 6))).status).toBe(200);
      expect((await rejectionOf(storage.uploads.complete(session))).code).toBe("TooLarge");
      expect(await listed(key)).toEqual([]);
      expect(await storage.head(key)).toBeNull();
    });
  });
}
