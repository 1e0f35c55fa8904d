export { uploadToSignedUrl } from "./upload-to-signed-url.js";
export type { SignedUpload, UploadOptions, UploadProgress, UploadResult } from "./upload-to-signed-url.js";
export { UploadError, uploadErrorCodes } from "./upload-error.js";
export type { UploadErrorCode, UploadErrorDetails } from "./upload-error.js";
export type { UploadExpectations } from "./signed-constraints.js";
export { uploadFile } from "./upload-file.js";
export type { UploadFileHandle, UploadFileOptions, UploadedFile } from "./upload-file.js";
export type { UploadFileProgress } from "./upload-file-progress.js";
export { httpUploadRoutes } from "./upload-routes.js";
export type {
  CompletedObject,
  CreateUploadInput,
  CreatedUpload,
  HttpRoutesOptions,
  ListedPart,
  RouteContext,
  SignedPart,
  UploadRouteFunctions,
} from "./upload-routes.js";
export { defaultSessionStore, fileFingerprint, localStorageSessionStore, memorySessionStore } from "./upload-session-store.js";
export type { StoredUpload, UploadSessionStore } from "./upload-session-store.js";
export { defaultTransport, fetchTransport, xhrTransport } from "./part-transport.js";
export type { PartTransport, TransportRequest, TransportResponse } from "./part-transport.js";
export type { RetryOptions } from "./retry-policy.js";
