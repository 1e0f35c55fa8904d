export type { Capabilities, CapabilityName } from "./capabilities.js";
export { noCapabilities } from "./capabilities.js";
export type { StorageErrorCode, StorageErrorOptions } from "./storage-error.js";
export { StorageError, isStorageError, storageErrorCodes } from "./storage-error.js";
export type {
  ByteRange,
  GetOptions,
  ListOptions,
  ListPage,
  ObjectInfo,
  PutBody,
  PutOptions,
  SignedRequest,
  SignGetOptions,
  SignPutOptions,
  StorageOptions,
  StoredObject,
} from "./storage-types.js";
export type {
  DriverGetOptions,
  DriverGetResult,
  DriverListOptions,
  DriverPutBody,
  DriverPutOptions,
  DriverRange,
  DriverSignGetOptions,
  DriverSignPutOptions,
  StorageDriver,
  UrlSigner,
} from "./storage-driver.js";
export { Storage, createStorage } from "./storage.js";
export { withPrefix } from "./with-prefix.js";
export { openStorage } from "./open-storage.js";
export type { OpenStorageConfig, OpenStorageCredentials } from "./open-storage.js";
export { assertValidKey, isValidKey, keyProblem, maxKeyBytes } from "./validate-key.js";
export { maxMetadataBytes, maxExpiresIn, defaultExpiresIn } from "./validate-options.js";
export { compareUtf8, utf8Length } from "./compare-utf8.js";
export { Sha256, sha256Hex, toHex } from "./sha256.js";
export { bytesToStream, readAll } from "./stored-object.js";
