import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { createStorage } from "@stowage/core";
import { s3Driver, type S3DriverOptions } from "@stowage/s3";
import { describe, expect, it } from "vitest";

// The fast presigner (@stowage/sigv4) must produce exactly the URL that
// @aws-sdk/s3-request-presigner produces for the same inputs and clock.

const keys = [
  "plain.txt",
  "with space/and more spaces.txt",
  "plus+percent%tilde~slash/equals=amp&.bin",
  "%2F literal and %20 literal",
  "reserved !'()* chars",
  "quotes \"'` and <>|\\ and #?",
  "semi;colon,comma:colon@at$dollar[brackets]{braces}^caret",
  "ünïcödé/日本語/한국어/emoji 😀🎉",
  "combining e\u0301 and zero-width\u200bjoiner",
  "a/b/c/d/e/f/g/h/deep.txt",
  "trailing dot.",
  "x".repeat(1024),
  `${"é".repeat(300)}/${"😀".repeat(100)}`,
];

const fileNames = ["report.pdf", "résumé final.pdf", 'quote"and\\back.txt', "日本語 ファイル.txt", "100% (draft)*.txt"];

interface Config {
  label: string;
  options: S3DriverOptions;
}

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const sdkClient = new S3Client({
  region: "eu-central-1",
  credentials: { ...credentials, sessionToken: "session/token+with=specials" },
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
});

const configs: Config[] = [
  {
    label: "ceph-rgw path style",
    options: { bucket: "stowage-test", region: "us-east-1", endpoint: "http://127.0.0.1:45373", credentials, profile: "ceph-rgw" },
  },
  { label: "aws us-east-1 virtual host", options: { bucket: "my-bucket", region: "us-east-1", credentials } },
  { label: "aws eu-west-1 virtual host", options: { bucket: "my-bucket-2", region: "eu-west-1", credentials } },
  { label: "aws path style", options: { bucket: "my-bucket", region: "ap-south-1", credentials, forcePathStyle: true } },
  {
    label: "r2 endpoint",
    options: { bucket: "uploads", region: "auto", endpoint: "https://0123456789abcdef.r2.cloudflarestorage.com", credentials },
  },
  {
    label: "minio with a base path",
    options: { bucket: "data", region: "us-east-1", endpoint: "https://minio.example.com:9000", credentials, profile: "minio" },
  },
  { label: "user client with a session token", options: { bucket: "token-bucket", region: "eu-central-1", client: sdkClient } },
];

const dates = [new Date("2026-11-22T10:00:00.000Z"), new Date("2027-02-28T23:59:59.999Z"), new Date("2030-01-01T00:00:00.456Z")];

describe("fast presigned URLs are byte-identical to @aws-sdk/s3-request-presigner", () => {
  for (const config of configs) {
    it(config.label, async () => {
      const driver = s3Driver(config.options);
      let compared = 0;
      for (const [index, key] of keys.entries()) {
        const now = dates[index % dates.length];
        const storage = createStorage(driver, { clock: () => now.getTime() });
        const expiresIn = [1, 300, 3600, 604800][index % 4];
        const bucket = config.options.bucket;

        // By default a signed GET asks for attachment disposition (S3 serves
        // the uploader's content type; an HTML or SVG object must not render
        // on the bucket's origin). `inline: true` drops it.
        const get = await storage.signGet(key, { expiresIn });
        expect(new URL(get.url).searchParams.get("response-content-disposition")).toBe("attachment");
        expect(get.url).toBe(
          await getSignedUrl(driver.raw, new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: "attachment" }), {
            expiresIn,
            signingDate: now,
          }),
        );
        const inline = await storage.signGet(key, { expiresIn, inline: true } as Parameters<typeof storage.signGet>[1]);
        expect(new URL(inline.url).searchParams.has("response-content-disposition")).toBe(false);
        expect(inline.url).toBe(
          await getSignedUrl(driver.raw, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn, signingDate: now }),
        );
        const fileName = fileNames[index % fileNames.length];
        const download = await storage.signGet(key, { expiresIn, downloadFilename: fileName, responseContentType: "text/plain; charset=utf-8" });
        const disposition = new URL(download.url).searchParams.get("response-content-disposition");
        expect(disposition).toMatch(/^attachment; filename="[^"]*"(; filename\*=UTF-8''\S+)?$/);
        expect(download.url).toBe(
          await getSignedUrl(
            driver.raw,
            new GetObjectCommand({
              Bucket: bucket,
              Key: key,
              ResponseContentDisposition: disposition!,
              ResponseContentType: "text/plain; charset=utf-8",
            }),
            { expiresIn, signingDate: now },
          ),
        );

        const put = await storage.signPut(key, { expiresIn });
        expect(put.url).toBe(await getSignedUrl(driver.raw, new PutObjectCommand({ Bucket: bucket, Key: key }), { expiresIn, signingDate: now }));
        const typed = await storage.signPut(key, { expiresIn, contentType: "image/png", size: 12345 });
        expect(typed.headers).toEqual({ "content-type": "image/png" });
        expect(typed.url).toBe(
          await getSignedUrl(driver.raw, new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: "image/png", ContentLength: 12345 }), {
            expiresIn,
            signingDate: now,
            signableHeaders: new Set(["content-type"]),
          }),
        );
        if (driver.capabilities.signPutIfNotExists) {
          const createOnly = await storage.signPut(key, { expiresIn, ifNotExists: true, contentType: "text/plain" });
          expect(createOnly.headers).toEqual({ "content-type": "text/plain", "if-none-match": "*" });
          expect(createOnly.url).toBe(
            await getSignedUrl(driver.raw, new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: "text/plain", IfNoneMatch: "*" }), {
              expiresIn,
              signingDate: now,
              signableHeaders: new Set(["content-type"]),
            }),
          );
          compared++;
        }
        compared += 6;
      }
      expect(compared).toBeGreaterThanOrEqual(keys.length * 6);
    });
  }
});
