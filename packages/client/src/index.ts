export { UploadError, uploadToSignedUrl } from "./upload-to-signed-url.js";
export type { SignedUpload, UploadOptions, UploadProgress, UploadResult } from "./upload-to-signed-url.js";
