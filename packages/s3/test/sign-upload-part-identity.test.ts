import { S3Client, UploadPartCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { createStorage, type UploadSession } from "@stowage/core";
import { s3Driver, type S3DriverOptions } from "@stowage/s3";
import { describe, expect, it } from "vitest";

// Part URLs (storage.uploads.signParts → the driver's SigV4 presigner) must
// be exactly the URL @aws-sdk/s3-request-presigner makes for UploadPartCommand
// with the same inputs and clock, with and without a signed Content-Length.

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const configs: { label: string; options: S3DriverOptions }[] = [
  { label: "ceph-rgw path style", options: { bucket: "stowage-test", region: "us-east-1", endpoint: "http://127.0.0.1:45373", credentials, profile: "ceph-rgw" } },
  { label: "aws virtual host", options: { bucket: "my-bucket", region: "eu-west-1", credentials } },
  { label: "r2 endpoint", options: { bucket: "uploads", region: "auto", endpoint: "https://0123456789abcdef.r2.cloudflarestorage.com", credentials } },
  {
    label: "user client with a session token",
    options: {
      bucket: "token-bucket",
      region: "eu-central-1",
      client: new S3Client({
        region: "eu-central-1",
        credentials: { ...credentials, sessionToken: "session/token+with=specials" },
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      }),
    },
  },
];
const keys = ["plain.bin", "with space/ünïcödé 😀.bin", "reserved !'()* and %2F+=&.bin"];
// Upload ids as servers mint them: RGW's contain "~" and "-", AWS's "." and "_", Swift's are base64.
const uploadIds = ["2~quOzOOYpvwD-JSRebPHOoKknAg4YQ0s", "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA.x_y", "OTEzNTFlMDYtMzMyZC00ZjQ2LTgwMTItNGM5MmExNTBlMzlk=="];
const now = new Date("2026-11-22T10:00:00.000Z");
const mebibyte = 1024 * 1024;

describe("part URLs are byte-identical to @aws-sdk/s3-request-presigner's UploadPartCommand", () => {
  for (const config of configs) {
    it(config.label, async () => {
      const driver = s3Driver(config.options);
      const storage = createStorage(driver, { clock: () => now.getTime() });
      const bucket = config.options.bucket;
      let compared = 0;
      for (const [index, key] of keys.entries()) {
        const uploadId = uploadIds[index];
        const expiresIn = [1, 900, 3600][index];
        const base = { key, uploadId, partSize: 5 * mebibyte, contentType: "video/mp4", expiresAt: new Date(now.getTime() + 86_400_000).toISOString() };
        const sized: UploadSession = { ...base, size: 12 * mebibyte + 7, partCount: 3 };
        const signed = await storage.uploads.signParts(sized, [1, 3], { expiresIn });
        for (const [i, partNumber] of [1, 3].entries()) {
          const length = partNumber === 3 ? 2 * mebibyte + 7 : 5 * mebibyte;
          expect(signed[i].method).toBe("PUT");
          expect(signed[i].headers).toEqual({});
          expect(new URL(signed[i].url).searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;host");
          expect(signed[i].url).toBe(
            await getSignedUrl(driver.raw, new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, ContentLength: length }), {
              expiresIn,
              signingDate: now,
            }),
          );
          compared++;
        }
        const [open] = await storage.uploads.signParts(base, [7], { expiresIn });
        expect(new URL(open.url).searchParams.get("X-Amz-SignedHeaders")).toBe("host");
        expect(open.url).toBe(
          await getSignedUrl(driver.raw, new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: 7 }), { expiresIn, signingDate: now }),
        );
        compared++;
      }
      expect(compared).toBe(keys.length * 3);
    });
  }
});
