export { createKv } from "./create-kv.js";
export type { CreateKvOptions } from "./create-kv.js";
export { Kv } from "./kv.js";
export type { KvListKey, KvListOptions, KvListResult, KvPutOptions, KvSettings, KvValueWithMetadata } from "./kv.js";
export type { KvJson, KvPutValue, KvValue } from "./kv-value.js";
export { storageKvBackend, kvMetadataField, storageMaxValueBytes } from "./storage-kv-backend.js";
export { KvReadCache } from "./kv-read-cache.js";
export type { KvReadCacheOptions, ReadTicket } from "./kv-read-cache.js";
export type {
  KvBackend,
  KvBackendLimits,
  KvBackendListEntry,
  KvBackendListOptions,
  KvBackendListPage,
  KvBackendPutOptions,
  KvBackendRecord,
  KvSweepResult,
} from "./kv-backend.js";
export { kvBinding, kvBindingLimits } from "./kv-binding.js";
export type { KvBindingOptions, KvNamespaceLike } from "./kv-binding.js";
