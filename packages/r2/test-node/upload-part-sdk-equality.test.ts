import { ListPartsCommand, S3Client, UploadPartCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { createStorage, type UploadSession } from "@stowage/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { r2Presigner } from "../src/r2-presigner.ts";
import { r2Driver } from "../src/r2-driver.ts";
import { uploadPartReference as part } from "../test-fixtures/presign-reference.ts";

// Native mode: part URLs (storage.uploads.signParts → r2Presigner) and the
// ListParts request the driver sends to R2's S3 endpoint are exactly what
// @aws-sdk/s3-request-presigner makes for UploadPartCommand / ListPartsCommand.

const credentials = { accessKeyId: "R2ACCESSKEYEXAMPLE0123", secretAccessKey: "r2-secret/with+chars=and~more0123456789abcdef" };
const accountId = "0123456789abcdef0123456789abcdef";
const bucketName = "stowage-bucket";
const client = new S3Client({
  region: "auto",
  endpoint: `https://${accountId}.r2.cloudflarestorage.com`,
  forcePathStyle: true,
  credentials,
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
});
const now = new Date("2026-11-22T10:00:00.000Z");
const mebibyte = 1024 * 1024;
const keys = ["plain.bin", "with space/ünïcödé 😀.bin", "reserved !'()* and %2F+=&.bin"];
// R2 upload ids are long base64url-like strings; the others stress the query encoding.
const uploadIds = [
  "AFkbHHkVZ0-xS3nHfXXgwMkZaN6rCUWwl2mqoTJpAQmB2QCLcdtGNl6FXQqb_pdvAKx1bQ-Kc8xAnIXfrcp-6vUDo3c97RUsRMR2Pe0",
  "id with space+plus/slash=",
  "2~quOzOOYpvwD-JSRebPHOoKknAg4YQ0s",
];

afterEach(() => {
  vi.useRealTimers();
});

describe("native mode: part URLs equal @aws-sdk/s3-request-presigner's UploadPartCommand, byte for byte", () => {
  it("with the exact Content-Length signed when the size is known, and without it otherwise", async () => {
    const storage = createStorage(r2Driver({ bucket: { head: async () => null } as never, signing: r2Presigner({ accountId, bucketName, ...credentials }) }), {
      clock: () => now.getTime(),
    });
    expect(storage.driver.capabilities.signUploadPart).toBe(true);
    let compared = 0;
    for (const [index, key] of keys.entries()) {
      const uploadId = uploadIds[index]!;
      const expiresIn = [1, 900, 3600][index]!;
      const base = { key, uploadId, partSize: 5 * mebibyte, contentType: "video/mp4", expiresAt: new Date(now.getTime() + 86_400_000).toISOString() };
      const sized: UploadSession = { ...base, size: 12 * mebibyte + 7, partCount: 3 };
      const signed = await storage.uploads.signParts(sized, [1, 3], { expiresIn });
      for (const [i, partNumber] of [1, 3].entries()) {
        const length = partNumber === 3 ? 2 * mebibyte + 7 : 5 * mebibyte;
        expect(signed[i]!.method).toBe("PUT");
        expect(signed[i]!.headers).toEqual({});
        expect(new URL(signed[i]!.url).searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;host");
        const theirs = await getSignedUrl(
          client,
          new UploadPartCommand({ Bucket: bucketName, Key: key, UploadId: uploadId, PartNumber: partNumber, ContentLength: length }),
          { expiresIn, signingDate: now },
        );
        expect(signed[i]!.url).toBe(theirs);
        compared++;
      }
      const [open] = await storage.uploads.signParts(base, [7], { expiresIn });
      expect(new URL(open!.url).searchParams.get("X-Amz-SignedHeaders")).toBe("host");
      expect(open!.url).toBe(
        await getSignedUrl(client, new UploadPartCommand({ Bucket: bucketName, Key: key, UploadId: uploadId, PartNumber: 7 }), { expiresIn, signingDate: now }),
      );
      compared++;
    }
    expect(compared).toBe(keys.length * 3);
  });

  it("the reference part URL the workerd test checks is the SDK's", async () => {
    const theirs = await getSignedUrl(
      new S3Client({
        region: "auto",
        endpoint: `https://${part.accountId}.r2.cloudflarestorage.com`,
        forcePathStyle: true,
        credentials: { accessKeyId: part.accessKeyId, secretAccessKey: part.secretAccessKey },
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      }),
      new UploadPartCommand({ Bucket: part.bucketName, Key: part.key, UploadId: part.uploadId, PartNumber: part.partNumber, ContentLength: part.size }),
      { expiresIn: part.expiresIn, signingDate: part.now },
    );
    expect(theirs).toBe(part.url);
  });

  it("the URL of one part, upload or length is not another's (the comparison can fail)", async () => {
    const signer = r2Presigner({ accountId, bucketName, ...credentials });
    const times = { now, expiresIn: 900, expiresAt: new Date(now.getTime() + 900_000) };
    const one = await signer.signUploadPart("k", "u1", 1, { ...times, size: 10 });
    expect(one.url).not.toBe((await signer.signUploadPart("k", "u1", 2, { ...times, size: 10 })).url);
    expect(one.url).not.toBe((await signer.signUploadPart("k", "u2", 1, { ...times, size: 10 })).url);
    expect(one.url).not.toBe((await signer.signUploadPart("k", "u1", 1, { ...times, size: 11 })).url);
    await expect(signer.signUploadPart("k", "u1", 10_001, times)).rejects.toMatchObject({ code: "InvalidArgument" });
  });
});

describe("native mode: listUploadParts asks R2's S3 ListParts", () => {
  function listPartsXml(parts: { n: number; etag: string; size: number }[], truncated: boolean, next?: number): string {
    return (
      `<?xml version="1.0" encoding="UTF-8"?><ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${bucketName}</Bucket>` +
      `<Key>k</Key><UploadId>u</UploadId><IsTruncated>${truncated}</IsTruncated>${next === undefined ? "" : `<NextPartNumberMarker>${next}</NextPartNumberMarker>`}` +
      parts.map((p) => `<Part><PartNumber>${p.n}</PartNumber><LastModified>2026-11-22T10:00:00.000Z</LastModified><ETag>&quot;${p.etag}&quot;</ETag><Size>${p.size}</Size></Part>`).join("") +
      `</ListPartsResult>`
    );
  }

  it("with the SDK's presigned ListParts URL for each page, pages joined, etags unquoted", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(now);
    const requested: string[] = [];
    const fetcher = (async (input: RequestInfo | URL) => {
      const url = String(input);
      requested.push(url);
      return url.includes("part-number-marker=2")
        ? new Response(listPartsXml([{ n: 3, etag: "c3", size: 7 }], false))
        : new Response(listPartsXml([{ n: 2, etag: "b2", size: 5 * mebibyte }, { n: 1, etag: "a1", size: 5 * mebibyte }], true, 2));
    }) as typeof fetch;
    const signer = r2Presigner({ accountId, bucketName, ...credentials, fetch: fetcher });
    const parts = await signer.listUploadParts(keys[1]!, uploadIds[0]!, {});
    expect(parts).toEqual([
      { partNumber: 1, etag: "a1", size: 5 * mebibyte },
      { partNumber: 2, etag: "b2", size: 5 * mebibyte },
      { partNumber: 3, etag: "c3", size: 7 },
    ]);
    expect(requested).toEqual([
      await getSignedUrl(client, new ListPartsCommand({ Bucket: bucketName, Key: keys[1]!, UploadId: uploadIds[0]! }), { expiresIn: 60, signingDate: now }),
      await getSignedUrl(client, new ListPartsCommand({ Bucket: bucketName, Key: keys[1]!, UploadId: uploadIds[0]!, PartNumberMarker: "2" }), {
        expiresIn: 60,
        signingDate: now,
      }),
    ]);
  });

  it("NoSuchUpload is NotFound, and an access error is not", async () => {
    const answer = (status: number, code: string) =>
      (async () => new Response(`<?xml version="1.0"?><Error><Code>${code}</Code><Message>m</Message></Error>`, { status })) as typeof fetch;
    const gone = r2Presigner({ accountId, bucketName, ...credentials, fetch: answer(404, "NoSuchUpload") });
    await expect(gone.listUploadParts("k", "u", {})).rejects.toMatchObject({ code: "NotFound" });
    const denied = r2Presigner({ accountId, bucketName, ...credentials, fetch: answer(403, "AccessDenied") });
    await expect(denied.listUploadParts("k", "u", {})).rejects.toMatchObject({ code: "PermissionDenied" });
  });
});
