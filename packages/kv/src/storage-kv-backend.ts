import { keyProblem, maxKeyBytes, StorageError, type PutOptions, type Storage } from "@stowage/core";
import { base64urlToText, textToBase64url } from "./base64url.js";
import type { KvBackend, KvBackendListEntry, KvBackendRecord, KvSweepResult } from "./kv-backend.js";
import { utf8Bytes } from "./kv-validation.js";

/** The object metadata field holding a value's KV metadata (its JSON, base64url). */
export const kvMetadataField = "kv-metadata";

/** The largest value a Storage backend holds: 25 MiB, like Workers KV. */
export const storageMaxValueBytes = 25 * 1024 * 1024;

/**
 * A `KvBackend` over any `Storage`: each value is the object `prefix + key`,
 * its content type the object's, its expiry core's object expiry, and its KV
 * metadata one object metadata field (`kv-metadata`, base64url JSON).
 * Expiry needs the driver's `expiry` capability; `sweepExpired` also needs
 * `deleteIfMatch`.
 */
export function storageKvBackend(storage: Storage, prefix = ""): KvBackend {
  if (typeof prefix !== "string" || (prefix !== "" && keyProblem(`${prefix}x`) !== undefined)) {
    throw new StorageError("InvalidArgument", `the KV prefix ${JSON.stringify(prefix)} does not make legal keys: use segments such as "kv/settings/"`, {
      operation: "kv.create",
      driver: "kv",
    });
  }
  const capabilities = storage.capabilities;
  const expiry = capabilities.expiry === true;
  const name = `storage (${storage.driver.name})`;
  const fail = (code: "InvalidArgument" | "Unsupported", message: string, operation: string, key?: string) =>
    new StorageError(code, message, { operation: `kv.${operation}`, key, driver: name });
  const objectKey = (key: string, operation: string): string => {
    const full = prefix + key;
    const problem = keyProblem(full);
    if (problem !== undefined) throw fail("InvalidArgument", `the key ${JSON.stringify(key)} is not legal over a Storage: ${problem}`, operation, key);
    return full;
  };
  const metadataOf = (fields: Record<string, string> | undefined, key: string): unknown => {
    const encoded = fields?.[kvMetadataField];
    if (encoded === undefined) return null;
    try {
      return JSON.parse(base64urlToText(encoded));
    } catch (cause) {
      throw new StorageError("Corrupted", `the KV metadata of ${JSON.stringify(key)} is not base64url JSON`, { operation: "kv.get", key, driver: name, cause });
    }
  };
  return {
    name,
    limits: {
      maxKeyBytes: maxKeyBytes - utf8Bytes(prefix),
      maxValueBytes: storageMaxValueBytes,
      maxMetadataBytes: 1024,
      minTtlSeconds: 1,
    },
    sweepSupported: expiry && capabilities.deleteIfMatch === true,
    async get(key, options): Promise<KvBackendRecord | null> {
      const object = await storage.get(objectKey(key, "get"), options);
      if (object === null) return null;
      const value = await object.bytes();
      const record: KvBackendRecord = { value, contentType: object.contentType, metadata: metadataOf(object.metadata, key) };
      const expiresAt = object.expiresAt;
      if (expiresAt !== undefined) record.expiresAt = expiresAt;
      return record;
    },
    async put(key, value, options): Promise<void> {
      const full = objectKey(key, "put");
      if (options.expiresAt !== undefined && !expiry) {
        throw fail(
          "Unsupported",
          `a TTL needs object expiry, and ${storage.driver.name} does not declare the expiry capability${hintOf(storage)}; put without ttlSeconds/expiresAt`,
          "put",
          key,
        );
      }
      const putOptions: PutOptions = {
        contentType: options.contentType,
        ...(options.metadataJson === undefined ? {} : { metadata: { [kvMetadataField]: textToBase64url(options.metadataJson) } }),
        ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      };
      await storage.put(full, value, putOptions);
    },
    async delete(key, options): Promise<void> {
      await storage.delete(objectKey(key, "delete"), options);
    },
    async list(options) {
      const page = await storage.list({
        prefix: prefix + (options.prefix ?? ""),
        limit: options.limit,
        ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      const entries: KvBackendListEntry[] = page.objects.map((object) => {
        const entry: KvBackendListEntry = { key: object.key.slice(prefix.length), metadata: metadataOf(object.metadata, object.key) };
        const expiresAt = object.expiresAt;
        if (expiresAt !== undefined) entry.expiresAt = expiresAt;
        return entry;
      });
      return page.cursor === undefined ? { entries } : { entries, cursor: page.cursor };
    },
    async sweepExpired(options): Promise<KvSweepResult> {
      return storage.sweepExpired({
        prefix: prefix + (options.prefix ?? ""),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    },
  };
}

function hintOf(storage: Storage): string {
  const hint = (storage.driver.capabilityHints as Record<string, unknown> | undefined)?.expiry;
  return typeof hint === "string" ? ` (${hint})` : " (memory and fs have it; over S3 pass s3Driver({ ..., expiry: true }))";
}

