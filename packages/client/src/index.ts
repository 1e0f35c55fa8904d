export { uploadToSignedUrl } from "./upload-to-signed-url.js";
export type { SignedUpload, UploadOptions, UploadProgress, UploadResult } from "./upload-to-signed-url.js";
export { UploadError, uploadErrorCodes } from "./upload-error.js";
export type { UploadErrorCode, UploadErrorDetails } from "./upload-error.js";
export type { UploadExpectations } from "./signed-constraints.js";
