export { openStorage } from "./open-storage.js";
export type { OpenStorageConfig, OpenStorageCredentials } from "./open-storage.js";
