import type { DriverGetResult } from "./storage-driver.js";
import type { StoredObject } from "./storage-types.js";
import { StorageError, isStorageError } from "./storage-error.js";

/** Turns a driver's get result into the `StoredObject` users see. */
export function createStoredObject(
  result: DriverGetResult,
  wrapError: (error: unknown) => StorageError,
): StoredObject {
  let source: ReadableStream<Uint8Array> | Uint8Array | undefined = result.body;
  let stream: ReadableStream<Uint8Array> | undefined;
  const take = (): ReadableStream<Uint8Array> | Uint8Array => {
    if (source === undefined) throw new StorageError("InvalidArgument", "The body was already read");
    const taken = source;
    source = undefined;
    return taken;
  };
  const bodyStream = (): ReadableStream<Uint8Array> => {
    if (stream !== undefined) return stream;
    const taken = take();
    stream = taken instanceof Uint8Array ? bytesToStream(taken) : guardStream(taken, wrapError);
    return stream;
  };
  const bytes = async (): Promise<Uint8Array> => {
    if (stream === undefined && source instanceof Uint8Array) return take() as Uint8Array;
    return readAll(bodyStream());
  };
  const info = result.info;
  const object: StoredObject = {
    key: info.key,
    size: info.size,
    etag: info.etag,
    lastModified: info.lastModified,
    contentType: info.contentType,
    metadata: info.metadata,
    get body() {
      return bodyStream();
    },
    bytes,
    text: async () => new TextDecoder().decode(await bytes()),
    json: async <T>() => JSON.parse(new TextDecoder().decode(await bytes())) as T,
  };
  if (info.cacheControl !== undefined) object.cacheControl = info.cacheControl;
  if (info.contentDisposition !== undefined) object.contentDisposition = info.contentDisposition;
  if (info.contentEncoding !== undefined) object.contentEncoding = info.contentEncoding;
  if (result.range !== undefined) object.range = { offset: result.range.offset, length: result.range.length };
  return object;
}

/** A one-chunk stream over some bytes. */
export function bytesToStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (bytes.byteLength > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** Reads a whole stream into one Uint8Array. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Passes a stream through, turning its errors into StorageErrors. */
function guardStream(
  source: ReadableStream<Uint8Array>,
  wrapError: (error: unknown) => StorageError,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (error) {
          throw isStorageError(error) ? error : wrapError(error);
        }
        if (result.done) controller.close();
        else controller.enqueue(result.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
