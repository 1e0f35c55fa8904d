/**
 * One native-mode presign, with the URL @aws-sdk/s3-request-presigner 3.1163
 * produced for it. The Node test re-derives it from the SDK; the workerd test
 * checks that r2Presigner gives the very same bytes inside workerd.
 */
export const presignReference = {
  accountId: "0123456789abcdef0123456789abcdef",
  bucketName: "stowage-bucket",
  accessKeyId: "R2ACCESSKEYEXAMPLE0123",
  secretAccessKey: "r2-secret/with+chars=and~more0123456789abcdef",
  key: "uploads/Grüße 😀 + %.png",
  contentType: "image/png",
  size: 42,
  expiresIn: 900,
  now: new Date("2026-01-02T03:04:05Z"),
  url:
    "https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com/stowage-bucket/uploads/Gr%C3%BC%C3%9Fe%20%F0%9F%98%80%20%2B%20%25.png" +
    "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD" +
    "&X-Amz-Credential=R2ACCESSKEYEXAMPLE0123%2F20260102%2Fauto%2Fs3%2Faws4_request&X-Amz-Date=20260102T030405Z&X-Amz-Expires=900" +
    "&X-Amz-Signature=e454e6d5f1a9569cae2c8c5b9faacdd6129422d100585a6524a79671c57547a4" +
    "&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&x-id=PutObject",
};

/**
 * One native-mode part URL (UploadPart, Content-Length signed), with the URL
 * @aws-sdk/s3-request-presigner 3.1163 produced for UploadPartCommand with
 * these inputs. The Node test re-derives it from the SDK; the workerd test
 * checks that r2Presigner's signUploadPart gives the same bytes in workerd.
 */
export const uploadPartReference = {
  ...presignReference,
  uploadId: "AFkbHHkVZ0-xS3nHfXXgwMkZaN6rCUWwl2mqoTJpAQmB2QCLcdtGNl6FXQqb_pdvAKx1bQ",
  partNumber: 3,
  size: 5 * 1024 * 1024,
  url:
    "https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com/stowage-bucket/uploads/Gr%C3%BC%C3%9Fe%20%F0%9F%98%80%20%2B%20%25.png" +
    "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD" +
    "&X-Amz-Credential=R2ACCESSKEYEXAMPLE0123%2F20260102%2Fauto%2Fs3%2Faws4_request&X-Amz-Date=20260102T030405Z&X-Amz-Expires=900" +
    "&X-Amz-Signature=9ab6bb1475f0e06f237b8146d224e846830ddc37231daf72fb5cd1b24386c6cb" +
    "&X-Amz-SignedHeaders=content-length%3Bhost&partNumber=3&uploadId=AFkbHHkVZ0-xS3nHfXXgwMkZaN6rCUWwl2mqoTJpAQmB2QCLcdtGNl6FXQqb_pdvAKx1bQ&x-id=UploadPart",
};
