import { StorageError, isStorageError, maxMetadataBytes, type DriverObjectFields, type ObjectInfo, type StorageDriver } from "@stowage/core";
import { plaintextSize, plaintextSizeOrUndefined } from "./encrypted-size.js";
import { importDataKey, parseRecord, recordField, unwrapDataKey } from "./key-record.js";
import type { Keyring } from "./keyring.js";
import { cachedDataKey } from "./data-key-cache.js";

/** What the layer's operations share. */
export interface EncryptionContext {
  driver: StorageDriver;
  keys: Keyring;
  plaintext: "refuse" | "allow";
  random(bytes: number): Uint8Array;
}

/** The refusal of an object that is not in the format. */
export function plaintextRefusal(key: string): StorageError {
  return new StorageError(
    "Corrupted",
    `${key} is not encrypted (it has no ${recordField} record): encrypt it with encryptExisting, or read it as-is with withEncryption(driver, { plaintext: "allow" }) (migration mode: no tamper detection for such objects)`,
    { key },
  );
}

/**
 * The most user-metadata bytes the record takes: the field name, `1.`, a
 * 64-character key id, `.` and the 80 base64url characters of the wrapped
 * data key (108 bytes with a 14-character key id).
 */
export const recordBytesMax = recordField.length + 2 + 64 + 1 + 80;

/**
 * The user metadata (keys and values, UTF-8 bytes) that fits, with the
 * record, in what the inner driver stores (at most the portable 2048, the
 * 2 KiB S3 and R2 enforce): 2048 - 158. The layer declares it as its
 * `maxMetadataBytes`, so Storage refuses more before the backend is asked.
 */
export function metadataBudgetOf(driver: { maxMetadataBytes?: number }): number {
  return Math.max(0, Math.min(driver.maxMetadataBytes ?? maxMetadataBytes, maxMetadataBytes) - recordBytesMax);
}

/**
 * The inner driver's refusal of an object's metadata, explained: when the
 * user metadata is over the layer's budget, an `InvalidArgument` from the
 * backend is its 2 KiB limit meeting the record, so the message says so.
 * Any other error is returned as it is.
 */
export function explainMetadataRefusal(context: EncryptionContext, error: unknown, metadata: Record<string, string> | undefined, key: string): unknown {
  if (!isStorageError(error, "InvalidArgument") || metadata === undefined) return error;
  const bytes = metadataBytes(metadata);
  const metadataBudget = metadataBudgetOf(context.driver);
  if (bytes <= metadataBudget) return error;
  return new StorageError(
    "InvalidArgument",
    `${error.message} (through withEncryption, user metadata has ${metadataBudget} of the backend's ${maxMetadataBytes} bytes: ` +
      `the ${recordField} record takes up to ${recordBytesMax}; this metadata is ${bytes} bytes)`,
    { key, cause: error, operation: error.operation, driver: error.driver },
  );
}

function metadataBytes(metadata: Record<string, string>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(metadata)) bytes += new TextEncoder().encode(name).length + new TextEncoder().encode(value).length;
  return bytes;
}

/** Metadata without the reserved field. */
export function userMetadata(metadata: Record<string, string>): Record<string, string> {
  if (!Object.prototype.hasOwnProperty.call(metadata, recordField)) return metadata;
  const { [recordField]: _record, ...rest } = metadata;
  return rest;
}

/** Refuses user metadata that sets the reserved field. */
export function assertNoRecordField(metadata: Record<string, string> | undefined): void {
  if (metadata !== undefined && Object.prototype.hasOwnProperty.call(metadata, recordField)) {
    throw new StorageError("InvalidArgument", `The metadata key ${recordField} is reserved by @stowage/encryption`);
  }
}

/** True when the stored object carries a record; a plaintext object is refused unless the layer allows it. */
export function isEncrypted(context: EncryptionContext, info: ObjectInfo, key: string): boolean {
  if (Object.prototype.hasOwnProperty.call(info.metadata, recordField)) return true;
  if (context.plaintext === "allow") return false;
  throw plaintextRefusal(key);
}

/** The info as the layer shows it: the plaintext size, without the record field. */
export function plainInfo<T extends ObjectInfo>(context: EncryptionContext, info: T, key: string): T {
  if (!isEncrypted(context, info, key)) return info;
  return { ...info, size: plaintextSize(info.size, key), metadata: userMetadata(info.metadata) };
}

/** A listed entry: sizes converted where they are the format's (a listing carries no record to check). */
export function listedInfo(info: ObjectInfo): ObjectInfo {
  return { ...info, size: plaintextSizeOrUndefined(info.size) ?? info.size, metadata: userMetadata(info.metadata) };
}

/**
 * The object's data key, unwrapped and imported, or from the keyring's
 * cache of data keys (keyed by the exact record and the object key).
 */
export function dataKeyOf(context: EncryptionContext, info: ObjectInfo, key: string): Promise<CryptoKey> {
  const text = info.metadata[recordField]!;
  return cachedDataKey(context.keys, text, key, async () => importDataKey(await unwrapDataKey(context.keys, parseRecord(text, key), key)));
}

/** The fields a copy keeps from its source, user metadata only. */
export function fieldsOf(info: ObjectInfo): DriverObjectFields {
  const fields: DriverObjectFields = { contentType: info.contentType, metadata: userMetadata(info.metadata) };
  if (info.cacheControl !== undefined) fields.cacheControl = info.cacheControl;
  if (info.contentDisposition !== undefined) fields.contentDisposition = info.contentDisposition;
  if (info.contentEncoding !== undefined) fields.contentEncoding = info.contentEncoding;
  return fields;
}

/** Cancels a body the layer will not read. */
export function discard(body: ReadableStream<Uint8Array> | Uint8Array): void {
  if (body instanceof ReadableStream) body.cancel().catch(() => {});
}

/** A body as a stream. */
export function asStream(body: ReadableStream<Uint8Array> | Uint8Array): ReadableStream<Uint8Array> {
  if (body instanceof ReadableStream) return body;
  return new ReadableStream({
    start(controller) {
      if (body.length > 0) controller.enqueue(body);
      controller.close();
    },
  });
}
