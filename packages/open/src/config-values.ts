import { StorageError, type StorageOptions } from "@stowage/core";

/**
 * The keys of `StorageOptions`, for refusing a misspelt `storageOptions` key
 * with its nearest name. The two checks below fail to compile when core adds
 * or removes an option and this list is not updated.
 */
export const storageOptionNames = ["clock", "defaultExpiresIn"] as const satisfies ReadonlyArray<keyof StorageOptions>;
type MissingStorageOption = Exclude<keyof StorageOptions, (typeof storageOptionNames)[number]>;
const everyStorageOptionListed: [MissingStorageOption] extends [never] ? true : MissingStorageOption = true;
void everyStorageOptionListed;

/** An object literal (or `Object.create(null)`), not an array, class instance, URL or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

/** A short description of a value for an error message, never the whole value. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return `${typeof value} ${String(value)}`;
  if (typeof value === "function") return "a function";
  if (typeof value === "object") {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" && name !== "Object" ? `a ${name}` : "an object";
  }
  return String(value);
}

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
