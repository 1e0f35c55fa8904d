import type { DriverSignUploadPartOptions, SignedRequest } from "@stowage/core";
import { encodeKeyPath } from "@stowage/sigv4";
import type { S3UrlSigner } from "./s3-url-signer.js";

/**
 * A presigned UploadPart PUT (byte-identical to
 * `@aws-sdk/s3-request-presigner` with `UploadPartCommand`): `partNumber`
 * and `uploadId` are in the signed query, so the URL works for no other
 * part, upload or key. With `size`, the exact `Content-Length` is a signed
 * header: Ceph RGW 16 and Swift's s3api refuse a body of another length
 * (403 SignatureDoesNotMatch), as AWS does.
 */
export async function signUploadPart(
  signer: S3UrlSigner,
  key: string,
  uploadId: string,
  partNumber: number,
  options: DriverSignUploadPartOptions,
): Promise<SignedRequest> {
  const { presigner, base } = await signer.prepare();
  const url = presigner.presign({
    method: "PUT",
    url: `${base}/${encodeKeyPath(key)}`,
    date: options.now,
    expiresIn: options.expiresIn,
    // Every HTTP client sends Content-Length from the body (browsers forbid setting it), so it is not in `headers`.
    headers: options.size === undefined ? {} : { "content-length": String(options.size) },
    query: { "x-id": "UploadPart", partNumber: String(partNumber), uploadId },
  });
  return { url, method: "PUT", headers: {}, expiresAt: options.expiresAt };
}
