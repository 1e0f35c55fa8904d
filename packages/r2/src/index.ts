export { R2Driver, r2Driver, r2Capabilities } from "./r2-driver.js";
export type { R2DriverOptions } from "./r2-driver.js";
export { r2Presigner, r2PresignerCapabilities } from "./r2-presigner.js";
export type { R2PresignerOptions, R2PresignerSigner } from "./r2-presigner.js";
export { r2UploadLimits } from "./r2-upload-capabilities.js";
export { r2NonceStore, r2NoncePrefix } from "./r2-nonce-store.js";
export type { R2NonceStore, R2NonceStoreOptions } from "./r2-nonce-store.js";
export { reservedPrefix } from "./r2-reserved.js";
