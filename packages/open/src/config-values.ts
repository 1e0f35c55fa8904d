import { StorageError, type StorageOptions } from "@stowage/core";

/**
 * The keys of `StorageOptions`, for refusing a misspelt `storageOptions` key
 * with its nearest name. The two checks below fail to compile when core adds
 * or removes an option and this list is not updated.
 */
export const storageOptionNames = ["clock", "defaultExpiresIn", "publicBaseUrl"] as const satisfies ReadonlyArray<keyof StorageOptions>;
type MissingStorageOption = Exclude<keyof StorageOptions, (typeof storageOptionNames)[number]>;
const everyStorageOptionListed: [MissingStorageOption] extends [never] ? true : MissingStorageOption = true;
void everyStorageOptionListed;

export { describeValue, isPlainObject } from "@stowage/core";

export function invalid(message: string): StorageError {
  return new StorageError("InvalidArgument", message);
}

/** The URL for an error message, with any user:password@ part masked. */
export function redact(url: string): string {
  return url.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/@?#]*@/, "$1***@");
}

export function describe(url: string): string {
  return JSON.stringify(redact(url));
}
