export { openStorage } from "./open-storage.js";
export type { OpenStorageConfig, OpenStorageCredentials } from "./open-storage.js";
export type { OpenStorageEncryption, OpenStorageKeyring } from "./open-storage.js";
