import { r2Presigner } from "@stowage/r2";
import { expect, it } from "vitest";
import { presignReference as reference, uploadPartReference as part } from "../test-fixtures/presign-reference.ts";

it("native-mode URLs minted inside workerd equal the AWS SDK presigner's, byte for byte", async () => {
  const signer = r2Presigner(reference);
  const signed = await signer.signPut(reference.key, {
    now: reference.now,
    expiresIn: reference.expiresIn,
    expiresAt: new Date(reference.now.getTime() + reference.expiresIn * 1000),
    contentType: reference.contentType,
    size: reference.size,
  });
  expect(signed.url).toBe(reference.url);
  expect(signed.headers).toEqual({ "content-type": "image/png" });
});

it("native-mode part URLs minted inside workerd equal the AWS SDK presigner's UploadPartCommand, byte for byte", async () => {
  const signer = r2Presigner(part);
  const signed = await signer.signUploadPart(part.key, part.uploadId, part.partNumber, {
    now: part.now,
    expiresIn: part.expiresIn,
    expiresAt: new Date(part.now.getTime() + part.expiresIn * 1000),
    size: part.size,
  });
  expect(signed.url).toBe(part.url);
  expect(signed.method).toBe("PUT");
  expect(signed.headers).toEqual({});
});
