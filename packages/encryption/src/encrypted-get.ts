import { StorageError, isStorageError, type DriverGetOptions, type DriverGetResult, type DriverRange } from "@stowage/core";
import { firstSegmentAuthenticated } from "./authenticated-body.js";
import { decryptBytes } from "./decrypt-bytes.js";
import { createDecryptStream, type DecryptStreamOptions } from "./decrypt-stream.js";
import { headerSize, plaintextSize, segmentCount, segmentRange, segmentSize, storedSegmentSize, tagSize } from "./encrypted-size.js";
import { asStream, dataKeyOf, discard, isEncrypted, plainInfo, type EncryptionContext } from "./encryption-context.js";

/**
 * `get` through the layer: whole objects streamed and authenticated segment
 * by segment; ranges read only their segments, in one inner get (no head).
 * Either way the result is returned only once the first segment it serves
 * has authenticated: a tampered first segment rejects the `get` itself with
 * `Corrupted`; a later one errors the stream there.
 */
export async function encryptedGet(context: EncryptionContext, key: string, options: DriverGetOptions): Promise<DriverGetResult | null> {
  if (options.range === undefined) return wholeGet(context, key, options);
  return rangedGet(context, key, options, options.range);
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
  return { info: plainInfo(context, result.info, key), body: await firstSegmentAuthenticated(body) };
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

/**
 * The stored range that holds a plaintext range, without knowing the
 * object's size.
 *
 * - `{ offset, length }`: segments `floor(offset / S)` to
 *   `floor((offset + length - 1) / S)` (the driver clamps a range past the
 *   end, which is exactly the end of the last segment); from 0 when segment
 *   0 is needed, so the header is read and checked.
 * - `{ offset }`: from that first segment to the end.
 * - `{ suffix: n }`: the stored suffix of `n + 16 * ceil(n / S) + (S + 16)`
 *   bytes. The plaintext suffix starts in segment `f`, at most `S - 1`
 *   bytes into it, so segments `f..final` hold at most `n + S - 1`
 *   plaintext bytes in at most `ceil(n / S) + 1` segments: fewer stored
 *   bytes than that. The bytes before segment `f` are dropped.
 */
export function storedRangeFor(range: DriverRange): DriverRange {
  if ("suffix" in range) return { suffix: range.suffix + tagSize * Math.ceil(range.suffix / segmentSize) + storedSegmentSize };
  const first = Math.floor(range.offset / segmentSize);
  const start = first === 0 ? 0 : headerSize + first * storedSegmentSize;
  if (range.length === undefined) return { offset: start };
  const last = Math.max(first, Math.floor((range.offset + range.length - 1) / segmentSize));
  return { offset: start, length: headerSize + (last + 1) * storedSegmentSize - start };
}

async function rangedGet(context: EncryptionContext, key: string, options: DriverGetOptions, range: DriverRange): Promise<DriverGetResult | null> {
  const { driver } = context;
  const request = storedRangeFor(range);
  let result: DriverGetResult | null;
  try {
    // One inner get: the bytes and the info (size, record, etag) come from one version, and ifMatch/ifNoneMatch apply to it.
    result = await driver.get(key, { ...options, range: request });
  } catch (error) {
    if (!isStorageError(error, "RangeNotSatisfiable")) throw error;
    return outOfRange(context, key, options, error);
  }
  if (result === null) return null;
  let body: ReadableStream<Uint8Array> | Uint8Array;
  let wanted: { offset: number; length: number };
  try {
    if (!isEncrypted(context, result.info, key)) {
      // Migration mode: a plaintext object, read again with the range as asked.
      discard(result.body);
      return driver.get(key, options);
    }
    const stored = result.info.size;
    const total = plaintextSize(stored, key);
    wanted = resolveRange(range, total, key);
    const segments = segmentRange(wanted.offset, wanted.length, total);
    const returnedStart = result.range?.offset ?? ("suffix" in request ? Math.max(0, stored - request.suffix) : request.offset);
    const withHeader = segments.first === 0 && returnedStart === 0;
    const drop = (withHeader ? 0 : headerSize + segments.first * storedSegmentSize) - returnedStart;
    if (drop < 0) {
      throw new StorageError("Corrupted", `The stored range of ${key} the driver returned starts at ${returnedStart}, past segment ${segments.first}`, { key });
    }
    const dek = await dataKeyOf(context, result.info, key);
    const decrypt: DecryptStreamOptions = {
      first: segments.first,
      last: segments.last,
      final: segments.final,
      total,
      withHeader,
      drop,
      skip: segments.skip,
      length: wanted.length,
      key,
    };
    // A body returned whole (fs and memory do so for small ranges) is decrypted without stream plumbing.
    body =
      result.body instanceof Uint8Array
        ? await decryptBytes(dek, result.body, decrypt)
        : await firstSegmentAuthenticated(asStream(result.body).pipeThrough(createDecryptStream(dek, decrypt)));
  } catch (error) {
    discard(result.body);
    throw error;
  }
  return { info: plainInfo(context, result.info, key), body, range: wanted };
}

/**
 * The inner driver found the stored range past the stored end: the
 * plaintext range starts past the plaintext end. In migration mode the
 * object may be plaintext, so its head decides.
 */
async function outOfRange(context: EncryptionContext, key: string, options: DriverGetOptions, cause: StorageError): Promise<DriverGetResult | null> {
  if (context.plaintext === "allow") {
    const head = await context.driver.head(key, options.signal === undefined ? {} : { signal: options.signal });
    if (head === null) return null;
    if (!isEncrypted(context, head, key)) return context.driver.get(key, options);
  }
  throw new StorageError("RangeNotSatisfiable", `The range of ${key} starts past its end`, { key, cause });
}
