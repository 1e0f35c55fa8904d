import { sha256Hex, StorageError, type DriverPutBody, type DriverPutOptions, type ObjectInfo } from "@stowage/core";
import { createEncryptStream, encryptBytes } from "./encrypt-stream.js";
import { encryptedSize } from "./encrypted-size.js";
import { assertNoRecordField, explainMetadataRefusal, plainInfo, type EncryptionContext } from "./encryption-context.js";
import { formatRecord, importDataKey, recordField, wrapDataKey } from "./key-record.js";

/**
 * `put` through the layer: a fresh data key wrapped under the primary KEK
 * (the record goes into the inner object's metadata), the body encrypted
 * as it streams, the plaintext's SHA-256 checked before the last segment.
 */
export async function encryptedPut(context: EncryptionContext, key: string, body: DriverPutBody, options: DriverPutOptions): Promise<ObjectInfo> {
  assertNoRecordField(options.metadata);
  const dekBytes = context.random(32);
  const record = await wrapDataKey(context.keys, context.keys.primary, key, dekBytes, context.random(12));
  const dek = await importDataKey(dekBytes);
  const { sha256, size, ...rest } = options;
  const inner: DriverPutOptions = { ...rest, metadata: { ...options.metadata, [recordField]: formatRecord(record) } };
  if (size !== undefined) inner.size = encryptedSize(size);
  let sealed: DriverPutBody;
  if (body instanceof Uint8Array) {
    if (sha256 !== undefined) {
      const actual = await sha256Hex(body);
      if (actual !== sha256) throw new StorageError("ChecksumMismatch", `The body's SHA-256 is ${actual}, not ${sha256}`, { key });
    }
    sealed = await encryptBytes(dek, body);
  } else {
    sealed = body.pipeThrough(createEncryptStream(dek, sha256 === undefined ? {} : { sha256 }));
  }
  let info: ObjectInfo;
  try {
    info = await context.driver.put(key, sealed, inner);
  } catch (error) {
    throw explainMetadataRefusal(context, error, options.metadata, key);
  }
  return plainInfo(context, info, key);
}
