import type { KvBackendRecord } from "./kv-backend.js";
import { strictJson } from "./kv-json.js";
import { kvError } from "./kv-errors.js";

/** What `Kv.put` accepts: text, bytes, a Blob, or any JSON-serializable value. */
export type KvPutValue = string | Uint8Array | ArrayBuffer | ArrayBufferView | Blob | KvJson;

/** A JSON value. */
export type KvJson = null | boolean | number | string | KvJson[] | { [name: string]: KvJson };

/** One stored value, read whole (values are bounded by the backend's `maxValueBytes`). */
export interface KvValue {
  key: string;
  contentType: string;
  /** The caller's metadata as stored with the value, or `null`. */
  metadata: unknown;
  /** When the value expires; absent when it never does. */
  expiresAt?: Date;
  /** A fresh copy of the value's bytes. */
  bytes(): Uint8Array;
  /** The value as UTF-8 text. */
  text(): string;
  /** The value parsed as JSON. */
  json<T = unknown>(): T;
}

/** The content types `put` picks when the caller gives none. */
export const textContentType = "text/plain;charset=utf-8";
export const bytesContentType = "application/octet-stream";
export const jsonContentType = "application/json";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The bytes and content type a value is stored as. */
export async function encodeValue(value: unknown, key: string): Promise<{ bytes: Uint8Array; contentType: string }> {
  if (typeof value === "string") return { bytes: encoder.encode(value), contentType: textContentType };
  if (value instanceof Uint8Array) return { bytes: value.slice(), contentType: bytesContentType };
  if (value instanceof ArrayBuffer) return { bytes: new Uint8Array(value.slice(0)), contentType: bytesContentType };
  if (ArrayBuffer.isView(value)) {
    return { bytes: new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) as ArrayBuffer), contentType: bytesContentType };
  }
  if (typeof Blob !== "undefined" && value instanceof Blob) {
    return { bytes: new Uint8Array(await value.arrayBuffer()), contentType: value.type === "" ? bytesContentType : value.type };
  }
  if (value === undefined) throw kvError("InvalidArgument", "put needs a value; to remove a key, call delete(key)", "put", key);
  return { bytes: encoder.encode(strictJson(value, "the value", "put", key)), contentType: jsonContentType };
}

/** A `KvValue` over a backend record (the record's bytes are never handed out). */
export function kvValueOf(key: string, record: KvBackendRecord): KvValue {
  return new StoredKvValue(key, record);
}

const textOf = new WeakMap<Uint8Array, string>();

/** One class for every read value: cheap to make on each (cached) get. */
class StoredKvValue implements KvValue {
  readonly key: string;
  readonly contentType: string;
  readonly metadata: unknown;
  declare expiresAt?: Date;
  readonly #stored: Uint8Array;

  constructor(key: string, record: KvBackendRecord) {
    this.key = key;
    this.contentType = record.contentType;
    this.metadata = record.metadata ?? null;
    this.#stored = record.value;
    if (record.expiresAt !== undefined) this.expiresAt = new Date(record.expiresAt.getTime());
  }

  bytes(): Uint8Array {
    return this.#stored.slice();
  }

  text(): string {
    // A cached record is read again and again: decode its bytes once.
    let text = textOf.get(this.#stored);
    if (text === undefined) textOf.set(this.#stored, (text = decoder.decode(this.#stored)));
    return text;
  }

  json<T = unknown>(): T {
    try {
      return JSON.parse(this.text()) as T;
    } catch {
      throw kvError("InvalidArgument", `the value of ${JSON.stringify(this.key)} is not JSON (${this.contentType}); read it with text() or bytes()`, "get", this.key);
    }
  }
}
