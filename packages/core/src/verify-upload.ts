import { assertKnownOptions } from "./known-options.js";
import { isStorageError, StorageError, type StorageErrorCode } from "./storage-error.js";
import type { ObjectInfo } from "./storage-types.js";
import type { Storage } from "./storage.js";
import { assertValidKey } from "./validate-key.js";
import { normalizeEtag, validateContentType, validateNonNegativeInteger } from "./validate-options.js";

/** What a browser reported after an upload, and what the app allowed. */
export interface UploadExpectation {
  /**
   * The key must start with this (compared literally: end it with `/` so
   * that `avatars/u1/` does not also admit `avatars/u10/…`). `""` admits any key.
   */
  prefix: string;
  /** The stored object must be exactly this many bytes. */
  size?: number;
  /** The stored object must be at most this many bytes. */
  maxSize?: number;
  /** The stored Content-Type must be this media type (case and spaces around `;` do not matter). */
  contentType?: string;
  /** The stored etag must be this one (quoted, unquoted or weak: compared unquoted). */
  etag?: string;
  /** Cancels the HEAD request. */
  signal?: AbortSignal;
}

const expectationNames = ["prefix", "size", "maxSize", "contentType", "etag", "signal"] as const;

/**
 * Confirms a browser upload before the app records it: `key` is under
 * `expected.prefix` (else `PermissionDenied`, and nothing is asked of the
 * storage), the object exists (`NotFound`), is at most `maxSize` bytes
 * (`TooLarge`), and its size, content type and etag equal what was reported
 * (`PreconditionFailed`, naming the field that differs). Returns the stored
 * `ObjectInfo`. Every check reads `storage.head`, so the result is the same
 * on every driver. It deletes nothing: on a failure the app decides whether
 * to delete the object.
 */
export async function verifyUpload(storage: Storage, key: string, expected: UploadExpectation): Promise<ObjectInfo> {
  const fail = (code: StorageErrorCode, message: string): StorageError =>
    new StorageError(code, message, { operation: "verifyUpload", key, driver: storage?.driver?.name ?? "" });
  try {
    if (storage === null || typeof storage !== "object" || typeof storage.head !== "function") {
      throw fail("InvalidArgument", "verifyUpload needs a Storage (createStorage(driver))");
    }
    if (expected === null || typeof expected !== "object") {
      throw fail("InvalidArgument", "verifyUpload needs the expectation { prefix, size?, maxSize?, contentType?, etag? }");
    }
    assertKnownOptions(expected, expectationNames, "verifyUpload expectation");
    assertValidKey(key, "verifyUpload");
    if (typeof expected.prefix !== "string") throw fail("InvalidArgument", "verifyUpload needs expected.prefix, a string (\"\" for any key)");
    const size = expected.size === undefined ? undefined : validateNonNegativeInteger(expected.size, "size");
    const maxSize = expected.maxSize === undefined ? undefined : validateNonNegativeInteger(expected.maxSize, "maxSize");
    const contentType = expected.contentType === undefined ? undefined : validateContentType(expected.contentType);
    const etag = expected.etag === undefined ? undefined : normalizeEtag(expected.etag, "etag");

    if (!key.startsWith(expected.prefix)) {
      throw fail("PermissionDenied", `The key ${JSON.stringify(key)} is not under the prefix ${JSON.stringify(expected.prefix)}`);
    }
    const info = await storage.head(key, expected.signal === undefined ? {} : { signal: expected.signal });
    if (info === null) throw fail("NotFound", `${key} was not uploaded (it does not exist)`);
    if (maxSize !== undefined && info.size > maxSize) {
      throw fail("TooLarge", `maxSize: ${key} is ${info.size} bytes, more than the ${maxSize} allowed`);
    }
    if (size !== undefined && info.size !== size) {
      throw fail("PreconditionFailed", `size: ${key} is ${info.size} bytes, but ${size} were reported`);
    }
    if (contentType !== undefined && mediaType(info.contentType) !== mediaType(contentType)) {
      throw fail("PreconditionFailed", `contentType: ${key} is stored as ${info.contentType}, but ${contentType} was reported`);
    }
    if (etag !== undefined && unquote(info.etag) !== etag) {
      throw fail("PreconditionFailed", `etag: ${key} has etag ${unquote(info.etag)}, but ${etag} was reported`);
    }
    return info;
  } catch (error) {
    if (isStorageError(error)) {
      if (error.operation === "") error.operation = "verifyUpload";
      throw error;
    }
    throw new StorageError("Unknown", `verifyUpload failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
      operation: "verifyUpload",
      key,
    });
  }
}

function mediaType(value: string): string {
  return value
    .split(";")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part, index) => (index === 0 ? part.toLowerCase() : part.replace(/\s*=\s*/, "=").replace(/^[^=]*/, (name) => name.toLowerCase())))
    .join(";");
}

function unquote(etag: string): string {
  let value = etag.startsWith("W/") ? etag.slice(2) : etag;
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  return value;
}
