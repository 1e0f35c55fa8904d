import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { attachmentDisposition, createStorage } from "@stowage/core";
import { describe, expect, it } from "vitest";
import { r2Presigner } from "../src/r2-presigner.ts";
import { r2Driver } from "../src/r2-driver.ts";
import { presignReference as reference } from "../test-fixtures/presign-reference.ts";

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

const signer = r2Presigner({ accountId, bucketName, ...credentials });

const keys = [
  "plain.txt",
  "dir/sub/file.bin",
  "a b c",
  "plus+percent%tilde~slash/equals=amp&",
  "%2F literal",
  "quotes ' \" and * ( ) ! $ , ; : @",
  "unicode é ü 漢字 😀 e\u0301",
  "brackets [x] {y} <z> | \\ ^ `",
  "x".repeat(1000),
  "deep/".repeat(50) + "leaf",
];

const clocks = [new Date("2026-01-02T03:04:05Z"), new Date("2024-02-29T23:59:59.999Z")];

function times(now: Date, expiresIn: number) {
  return { now, expiresIn, expiresAt: new Date(now.getTime() + expiresIn * 1000) };
}

describe("r2Presigner URLs equal @aws-sdk/s3-request-presigner's, byte for byte", () => {
  for (const key of keys) {
    it(`GET ${JSON.stringify(key.slice(0, 40))}`, async () => {
      for (const now of clocks) {
        for (const expiresIn of [1, 300, 604800]) {
          const ours = await signer.signGet(key, times(now, expiresIn));
          const theirs = await getSignedUrl(
            client,
            new GetObjectCommand({ Bucket: bucketName, Key: key, ResponseContentDisposition: "attachment" }),
            { expiresIn, signingDate: now },
          );
          expect(ours.url).toBe(theirs);
        }
      }
    });

    it(`PUT ${JSON.stringify(key.slice(0, 40))}`, async () => {
      const now = clocks[0]!;
      const variants: { contentType?: string; size?: number }[] = [
        {},
        { contentType: "text/plain; charset=utf-8" },
        { size: 12345 },
        { contentType: "image/png", size: 0 },
      ];
      for (const variant of variants) {
        const ours = await signer.signPut(key, { ...times(now, 900), ...variant });
        const signableHeaders = new Set<string>();
        if (variant.contentType !== undefined) signableHeaders.add("content-type");
        if (variant.size !== undefined) signableHeaders.add("content-length");
        const theirs = await getSignedUrl(
          client,
          new PutObjectCommand({ Bucket: bucketName, Key: key, ContentType: variant.contentType, ContentLength: variant.size }),
          { expiresIn: 900, signingDate: now, signableHeaders },
        );
        expect(ours.url).toBe(theirs);
        expect(ours.method).toBe("PUT");
        expect(ours.headers).toEqual(variant.contentType === undefined ? {} : { "content-type": variant.contentType });
      }
    });
  }

  it("GET with a download name and a response type", async () => {
    for (const name of ["report.pdf", "Grüße 漢字 😀.txt", "quote\"and'apostrophe (1).txt"]) {
      const ours = await signer.signGet("files/x", {
        ...times(clocks[0]!, 300),
        downloadFilename: name,
        responseContentType: "application/pdf",
      });
      const theirs = await getSignedUrl(
        client,
        new GetObjectCommand({
          Bucket: bucketName,
          Key: "files/x",
          ResponseContentDisposition: attachmentDisposition(name),
          ResponseContentType: "application/pdf",
        }),
        { expiresIn: 300, signingDate: clocks[0]! },
      );
      expect(ours.url).toBe(theirs);
    }
  });

  it("GET is an attachment by default, inline only when the signer asks (signed, so it cannot be removed)", async () => {
    const storage = createStorage(r2Driver({ bucket: { head: async () => null } as never, signing: signer }), { clock: () => clocks[0]!.getTime() });
    const plain = new URL((await storage.signGet("page.html")).url);
    expect(plain.searchParams.get("response-content-disposition")).toBe("attachment");
    const inline = new URL((await storage.signGet("page.html", { inline: true })).url);
    expect(inline.searchParams.has("response-content-disposition")).toBe(false);
    const theirs = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: bucketName, Key: "page.html" }),
      { expiresIn: 300, signingDate: clocks[0]! },
    );
    expect(inline.href).toBe(theirs);
    // The disposition is a signed query parameter: dropping it changes the canonical request.
    const unsigned = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucketName, Key: "page.html" }), {
      expiresIn: 300,
      signingDate: clocks[0]!,
    });
    expect(new URL(unsigned).searchParams.get("X-Amz-Signature")).not.toBe(plain.searchParams.get("X-Amz-Signature"));
    await expect(storage.signGet("page.html", { inline: true, downloadFilename: "p.html" })).rejects.toMatchObject({ code: "InvalidArgument" });
  });

  it("a different secret gives a different URL (the comparison can fail)", async () => {
    const other = r2Presigner({ accountId, bucketName, ...credentials, secretAccessKey: "another-secret" });
    const a = await signer.signGet("k", times(clocks[0]!, 300));
    const b = await other.signGet("k", times(clocks[0]!, 300));
    expect(a.url).not.toBe(b.url);
  });

  it("refuses what R2 presigned URLs cannot enforce", async () => {
    const storage = createStorage(r2Driver({ bucket: { head: async () => null } as never, signing: signer }), { clock: () => clocks[0]!.getTime() });
    await expect(storage.signPut("k", { maxSize: 10 })).rejects.toMatchObject({ code: "Unsupported" });
    await expect(storage.signPut("k", { oneTime: true })).rejects.toMatchObject({ code: "Unsupported" });
    await expect(signer.signPut("k", { ...times(clocks[0]!, 300), maxSize: 10 })).rejects.toMatchObject({ code: "Unsupported" });
    const signed = await storage.signPut("k", { contentType: "text/plain", size: 3 });
    expect(signed.url).toContain("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost");
  });
});

describe("the reference URL shared with the workerd test", () => {
  it("is what the SDK presigner gives today", async () => {
    const { accountId: id, bucketName: bucket, key, contentType, size, expiresIn, now } = reference;
    const sdk = new S3Client({
      region: "auto",
      endpoint: `https://${id}.r2.cloudflarestorage.com`,
      forcePathStyle: true,
      credentials: { accessKeyId: reference.accessKeyId, secretAccessKey: reference.secretAccessKey },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    const url = await getSignedUrl(sdk, new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: contentType, ContentLength: size }), {
      expiresIn,
      signingDate: now,
      signableHeaders: new Set(["content-type", "content-length"]),
    });
    expect(url).toBe(reference.url);
  });
});
