import { StorageError, type DriverObjectFields, type ObjectInfo, type StorageDriver } from "@stowage/core";
import { plaintextSize, plaintextSizeOrUndefined } from "./encrypted-size.js";
import { importDataKey, parseRecord, recordField, unwrapDataKey } from "./key-record.js";
import type { Keyring } from "./keyring.js";

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

/** The object's data key, unwrapped and imported. */
export async function dataKeyOf(context: EncryptionContext, info: ObjectInfo, key: string): Promise<CryptoKey> {
  const record = parseRecord(info.metadata[recordField]!, key);
  return importDataKey(await unwrapDataKey(context.keys, record, key));
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
