import type { DriverPutBody, DriverPutOptions } from "./storage-driver.js";
import type { PutBody, PutOptions } from "./storage-types.js";
import { CheckedStream } from "./checked-stream.js";
import { describe, isPlainObject } from "./known-options.js";
import { invalid } from "./validate-options.js";
import { asyncIterableToStream, isAsyncIterable } from "./async-iterable-stream.js";

const textEncoder = new TextEncoder();

/** What a put body becomes: bytes the driver gets as they are, or a stream checked while it is read. */
export interface PreparedBody {
  body: DriverPutBody;
  checked?: CheckedStream;
}

/**
 * The put options with a `Blob` or `File` body's own `type` as the default
 * content type, as `fetch` does. The caller's `contentType` always wins.
 */
export function withBodyType(body: PutBody, options: PutOptions): PutOptions {
  if (!isBlob(body) || body.type === "" || !isPlainObject(options) || options.contentType !== undefined) return options;
  return { ...options, contentType: body.type };
}

/**
 * Turns any accepted body into what the driver receives. Sets
 * `driverOptions.size` when the body's length is known. Streams (web
 * streams, Blobs, async iterables such as a Node `Readable`) are wrapped
 * in a `CheckedStream` and never buffered.
 */
export function prepareBody(body: PutBody, driverOptions: DriverPutOptions): PreparedBody {
  if (typeof body === "string") return sizedBytes(textEncoder.encode(body), driverOptions);
  if (body instanceof Uint8Array) return sizedBytes(body, driverOptions);
  if (body instanceof ArrayBuffer) return sizedBytes(new Uint8Array(body), driverOptions);
  if (isBlob(body)) {
    if (driverOptions.size !== undefined && driverOptions.size !== body.size) {
      throw invalid(`The body has ${body.size} bytes but size says ${driverOptions.size}`);
    }
    driverOptions.size = body.size;
    return checkedStream(body.stream() as ReadableStream<Uint8Array>, driverOptions);
  }
  if (body instanceof ReadableStream) {
    if (body.locked) throw invalid("The body stream is locked (another reader is reading it); pass a stream nobody has read");
    return checkedStream(body, driverOptions);
  }
  if (isAsyncIterable(body)) return checkedStream(asyncIterableToStream(body), driverOptions);
  throw invalid(
    `body must be a ReadableStream, Uint8Array, ArrayBuffer, Blob, string or AsyncIterable<Uint8Array> such as a Node Readable (got ${describe(body)})`,
  );
}

function sizedBytes(bytes: Uint8Array, driverOptions: DriverPutOptions): PreparedBody {
  if (driverOptions.size !== undefined && driverOptions.size !== bytes.byteLength) {
    throw invalid(`The body has ${bytes.byteLength} bytes but size says ${driverOptions.size}`);
  }
  driverOptions.size = bytes.byteLength;
  return { body: bytes };
}

function checkedStream(source: ReadableStream<Uint8Array>, driverOptions: DriverPutOptions): PreparedBody {
  const checked = new CheckedStream(source, driverOptions);
  return { body: checked.stream, checked };
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== "undefined" && value instanceof Blob;
}
