import { StorageError, isStorageError, type DriverCopyOptions, type DriverObjectFields, type DriverPutOptions, type ObjectInfo } from "@stowage/core";
import { assertNoRecordField, explainMetadataRefusal, fieldsOf, isEncrypted, plainInfo, type EncryptionContext } from "./encryption-context.js";
import { formatRecord, parseRecord, recordField, unwrapDataKey, wrapDataKey } from "./key-record.js";

const attempts = 3;

/**
 * `copy` through the layer. The data key is bound to the object's key, so
 * the copy re-wraps it for the target (under the primary KEK) and replaces
 * only metadata: the body's bytes are copied as they are, server-side where
 * the inner driver copies server-side, else streamed from `get` into `put`
 * without decrypting. The copy is pinned to the source's etag that was read
 * (when the inner driver honours `copyIfMatch`), so the record always
 * belongs to the bytes copied; a concurrent change retries.
 */
export async function encryptedCopy(context: EncryptionContext, from: string, to: string, options: DriverCopyOptions): Promise<ObjectInfo> {
  assertNoRecordField(options.replace?.metadata);
  for (let attempt = 0; attempt < attempts; attempt++) {
    const result = await copyOnce(context, from, to, options);
    if (result !== "changed") return result;
  }
  throw new StorageError("Unavailable", `${from} kept changing while it was copied`, { key: from });
}

async function copyOnce(context: EncryptionContext, from: string, to: string, options: DriverCopyOptions): Promise<ObjectInfo | "changed"> {
  const { driver } = context;
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  const source = await driver.head(from, signal);
  if (source === null) throw new StorageError("NotFound", `${from} does not exist`, { key: from });
  if (options.ifMatch !== undefined && source.etag !== options.ifMatch) {
    throw new StorageError("PreconditionFailed", `${from} has etag ${source.etag}, not ${options.ifMatch}`, { key: from });
  }
  const fields = options.replace ?? fieldsOf(source);
  let replace: DriverObjectFields = fields;
  if (isEncrypted(context, source, from)) {
    const dek = await unwrapDataKey(context.keys, parseRecord(source.metadata[recordField]!, from), from);
    const record = await wrapDataKey(context.keys, context.keys.primary, to, dek, context.random(12));
    replace = { ...fields, metadata: { ...fields.metadata, [recordField]: formatRecord(record) } };
  }
  const pin = options.ifMatch ?? (copyPins(context) ? source.etag : undefined);
  try {
    const info = driver.copy !== undefined ? await driver.copy(from, to, copyOptions(options, replace, pin)) : await streamCopy(context, from, to, replace, options, pin);
    return plainInfo(context, info, to);
  } catch (error) {
    if (isStorageError(error, "PreconditionFailed") && options.ifMatch === undefined) return "changed";
    throw explainMetadataRefusal(context, error, fields.metadata, to);
  }
}

function copyPins(context: EncryptionContext): boolean {
  const { capabilities } = context.driver;
  return context.driver.copy !== undefined ? capabilities.copyIfMatch : capabilities.conditionalGet;
}

function copyOptions(options: DriverCopyOptions, replace: DriverObjectFields, pin: string | undefined): DriverCopyOptions {
  const inner: DriverCopyOptions = { replace };
  if (options.signal !== undefined) inner.signal = options.signal;
  if (options.ifNotExists) inner.ifNotExists = true;
  if (pin !== undefined) inner.ifMatch = pin;
  return inner;
}

/** A copy for an inner driver without one: the stored bytes streamed from get into put, unchanged. */
async function streamCopy(
  context: EncryptionContext,
  from: string,
  to: string,
  replace: DriverObjectFields,
  options: DriverCopyOptions,
  pin: string | undefined,
): Promise<ObjectInfo> {
  const { driver } = context;
  const read = await driver.get(from, { ...(pin === undefined ? {} : { ifMatch: pin }), ...(options.signal === undefined ? {} : { signal: options.signal }) });
  if (read === null) throw new StorageError("NotFound", `${from} does not exist`, { key: from });
  const put: DriverPutOptions = { ...replace, size: read.info.size };
  if (options.ifNotExists) put.ifNotExists = true;
  if (options.signal !== undefined) put.signal = options.signal;
  return driver.put(to, read.body, put);
}
