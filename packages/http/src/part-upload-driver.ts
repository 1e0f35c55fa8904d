import type { StorageDriver } from "@stowage/core";

/** A driver whose upload-part URLs `createSignedUrlHandler` serves (memory, fs, an R2 gateway): it has `StorageDriver.uploadPart`. */
export type PartUploadDriver = StorageDriver & Required<Pick<StorageDriver, "uploadPart">>;

/** True when `driver` can store parts for the handler. */
export function canUploadParts(driver: StorageDriver): driver is PartUploadDriver {
  return typeof driver.uploadPart === "function";
}
