import { StorageError, isStorageError, type DriverGetOptions, type DriverGetResult, type DriverRange } from "@stowage/core";
import { createDecryptStream } from "./decrypt-stream.js";
import { plaintextSize, segmentCount, segmentRange } from "./encrypted-size.js";
import { asStream, dataKeyOf, discard, isEncrypted, plainInfo, type EncryptionContext } from "./encryption-context.js";

const attempts = 3;

/** `get` through the layer: whole objects streamed and authenticated segment by segment; ranges read only their segments. */
export async function encryptedGet(context: EncryptionContext, key: string, options: DriverGetOptions): Promise<DriverGetResult | null> {
  if (options.range === undefined) return wholeGet(context, key, options);
  for (let attempt = 0; attempt < attempts; attempt++) {
    const result = await rangedGet(context, key, options, options.range);
    if (result !== "changed") return result;
  }
  throw new StorageError("Unavailable", `${key} kept changing while it was read`, { key });
}

async function wholeGet(context: EncryptionContext, key: string, options: DriverGetOptions): Promise<DriverGetResult | null> {
  const result = await context.driver.get(key, options);
  if (result === null) return null;
  let body: ReadableStream<Uint8Array>;
  try {
    if (!isEncrypted(context, result.info, key)) return result;
    const total = plaintextSize(result.info.size, key);
    const final = segmentCount(total) - 1;
    const dek = await dataKeyOf(context, result.info, key);
    body = asStream(result.body).pipeThrough(createDecryptStream(dek, { first: 0, last: final, final, total, withHeader: true, key }));
  } catch (error) {
    discard(result.body);
    throw error;
  }
  return { info: plainInfo(context, result.info, key), body };
}

/** The plaintext bytes a range asks for, or RangeNotSatisfiable. */
function resolveRange(range: DriverRange, total: number, key: string): { offset: number; length: number } {
  if ("suffix" in range) {
    if (total === 0) throw new StorageError("RangeNotSatisfiable", `${key} is empty`, { key });
    const length = Math.min(range.suffix, total);
    return { offset: total - length, length };
  }
  if (range.offset >= total) throw new StorageError("RangeNotSatisfiable", `${key} has ${total} bytes; the range starts at ${range.offset}`, { key });
  return { offset: range.offset, length: Math.min(range.length ?? total - range.offset, total - range.offset) };
}

async function rangedGet(
  context: EncryptionContext,
  key: string,
  options: DriverGetOptions,
  range: DriverRange,
): Promise<DriverGetResult | null | "changed"> {
  const { driver } = context;
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  const head = await driver.head(key, signal);
  if (head === null) return null;
  if (options.ifMatch !== undefined && head.etag !== options.ifMatch) {
    throw new StorageError("PreconditionFailed", `${key} has etag ${head.etag}, not ${options.ifMatch}`, { key });
  }
  if (options.ifNoneMatch !== undefined && head.etag === options.ifNoneMatch) {
    throw new StorageError("NotModified", `${key} has etag ${head.etag}`, { key });
  }
  if (!isEncrypted(context, head, key)) return driver.get(key, options);
  const total = plaintextSize(head.size, key);
  const wanted = resolveRange(range, total, key);
  const segments = segmentRange(wanted.offset, wanted.length, total);
  const dek = await dataKeyOf(context, head, key);
  const inner: DriverGetOptions = { ...signal, range: { offset: segments.storedOffset, length: segments.storedLength } };
  if (driver.capabilities.conditionalGet) inner.ifMatch = head.etag;
  let result: DriverGetResult | null;
  try {
    result = await driver.get(key, inner);
  } catch (error) {
    if (isStorageError(error, "PreconditionFailed") && options.ifMatch === undefined) return "changed";
    throw error;
  }
  if (result === null) return null;
  if (result.info.etag !== head.etag) {
    discard(result.body);
    if (options.ifMatch !== undefined) throw new StorageError("PreconditionFailed", `${key} changed while it was read`, { key });
    return "changed";
  }
  const body = asStream(result.body).pipeThrough(
    createDecryptStream(dek, {
      first: segments.first,
      last: segments.last,
      final: segments.final,
      total,
      withHeader: segments.first === 0,
      skip: segments.skip,
      length: wanted.length,
      key,
    }),
  );
  return { info: plainInfo(context, head, key), body, range: wanted };
}
