export { createSignedUrlHandler, defaultCorsAllowHeaders, servedObjectCsp } from "./signed-url-handler.js";
export type { CorsOptions, SignedUrlHandler, SignedUrlHandlerOptions } from "./signed-url-handler.js";
export type { NonceStore } from "./nonce-store.js";
export { memoryNonceStore } from "./memory-nonce-store.js";
export type { MemoryNonceStore, MemoryNonceStoreOptions } from "./memory-nonce-store.js";
export { storageNonceStore } from "./storage-nonce-store.js";
export type { StorageNonceStore, StorageNonceStoreOptions } from "./storage-nonce-store.js";
export type { PartUploadDriver } from "./part-upload-driver.js";
export { createUploadRoutes, maxSignedPartsPerCall } from "./upload-routes.js";
export type {
  UploadAuthorize,
  UploadCreateIntent,
  UploadGrant,
  UploadIntent,
  UploadRouteAction,
  UploadRoutes,
  UploadRoutesOptions,
  UploadSessionIntent,
} from "./upload-route-types.js";
