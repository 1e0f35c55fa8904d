import type { DriverGetResult } from "./storage-driver.js";
import type { StoredObject } from "./storage-types.js";
import { StorageError, isStorageError } from "./storage-error.js";

/**
 * Turns a driver's get result into the `StoredObject` users see. The body can
 * be read once, as `body`, `bytes()`, `text()` or `json()`; like a fetch
 * `Response`, the methods live on the prototype (call them on the object).
 */
export function createStoredObject(
  result: DriverGetResult,
  wrapError: (error: unknown) => StorageError,
): StoredObject {
  return new StoredObjectResult(result, wrapError);
}

// ignoreBOM: a body that starts with U+FEFF keeps it, so text() round-trips every string.
const textDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

class StoredObjectResult implements StoredObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
  contentType: string;
  declare cacheControl?: string;
  declare contentDisposition?: string;
  declare contentEncoding?: string;
  metadata: Record<string, string>;
  declare range?: { offset: number; length: number };
  declare expiresAt?: Date;
  #source: ReadableStream<Uint8Array> | Uint8Array | undefined;
  #stream: ReadableStream<Uint8Array> | undefined;
  readonly #wrapError: (error: unknown) => StorageError;

  constructor(result: DriverGetResult, wrapError: (error: unknown) => StorageError) {
    const info = result.info;
    this.key = info.key;
    this.size = info.size;
    this.etag = info.etag;
    this.lastModified = info.lastModified;
    this.contentType = info.contentType;
    this.metadata = info.metadata;
    if (info.cacheControl !== undefined) this.cacheControl = info.cacheControl;
    if (info.contentDisposition !== undefined) this.contentDisposition = info.contentDisposition;
    if (info.contentEncoding !== undefined) this.contentEncoding = info.contentEncoding;
    if (info.expiresAt !== undefined) this.expiresAt = info.expiresAt;
    if (result.range !== undefined) this.range = { offset: result.range.offset, length: result.range.length };
    this.#source = result.body;
    this.#stream = undefined;
    this.#wrapError = wrapError;
  }

  get body(): ReadableStream<Uint8Array> {
    if (this.#stream !== undefined) return this.#stream;
    const taken = this.#take();
    this.#stream = taken instanceof Uint8Array ? bytesToStream(taken) : guardStream(taken, this.#wrapError);
    return this.#stream;
  }

  async bytes(): Promise<Uint8Array> {
    if (this.#stream !== undefined) return readAll(this.#stream);
    const taken = this.#take();
    if (taken instanceof Uint8Array) return taken;
    // Read the driver's stream directly (no guard stream in between), wrapping its errors the same way.
    try {
      return await readAll(taken);
    } catch (error) {
      throw isStorageError(error) ? error : this.#wrapError(error);
    }
  }

  async text(): Promise<string> {
    return textDecoder.decode(await this.bytes());
  }

  async json<T = unknown>(): Promise<T> {
    // Like Response.json(): a leading byte-order mark is not part of the JSON.
    const text = await this.text();
    try {
      return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as T;
    } catch (error) {
      // The parser's own message (kept as the cause) names engine tokens, not the object.
      throw new StorageError("InvalidArgument", `The object ${JSON.stringify(this.key)} is not valid JSON; read it with text() or bytes()`, {
        cause: error,
        key: this.key,
      });
    }
  }

  #take(): ReadableStream<Uint8Array> | Uint8Array {
    const taken = this.#source;
    if (taken === undefined) throw new StorageError("InvalidArgument", "The body was already read");
    this.#source = undefined;
    return taken;
  }
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
export async function readAll(stream: ReadableStream<Uint8Array>, options: { copy?: boolean } = {}): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
  }
  // One chunk is handed back as is unless the caller must own its bytes.
  if (chunks.length === 1) return options.copy ? chunks[0]!.slice() : chunks[0]!;
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
