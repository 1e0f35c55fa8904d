import { StorageError, isPlainObject, utf8Length } from "@stowage/core";

/**
 * What `kvBinding` keeps in a Workers KV entry's metadata (the binding's own
 * metadata, which Workers KV caps at 1024 bytes of JSON): compact JSON
 * `{"t":contentType,"e":expiresAtMs,"m":callerMetadata}`. `e` is the exact
 * expiry instant in epoch milliseconds (the native `expiration` is whole
 * seconds, rounded up), omitted when the value never expires; `m` is omitted
 * when the caller stored no metadata.
 */
export interface KvBindingWrapper {
  contentType: string;
  expiresAtMs?: number;
  /** The caller's metadata as its JSON text. */
  metadataJson?: string;
}

/** The binding's metadata limit: UTF-8 bytes of the serialized metadata. */
export const bindingMetadataLimit = 1024;

/**
 * The longest content type `kvBinding` stores, as UTF-8 bytes of its JSON
 * string (quotes and escapes included): 128, so 126 plain ASCII characters.
 */
export const maxContentTypeJsonBytes = 128;

/**
 * The latest native `expiration` workerd takes: a signed 32-bit count of
 * seconds (2038-01-19T03:14:07Z); a larger one throws "Value out of range".
 */
export const maxExpirationSeconds = 2 ** 31 - 1;

/** The longest `e`: an instant up to `maxExpirationSeconds` has at most 13 digits of milliseconds. */
const maxExpiresAtDigits = String(maxExpirationSeconds * 1000).length;

/**
 * The wrapper's bytes around the caller's metadata, worst case:
 * `{"t":` (5) + the content type (128) + `,"e":` (5) + 13 digits + `,"m":` (5) + `}` (1) = 157.
 */
export const wrapperOverheadBytes = 5 + maxContentTypeJsonBytes + 5 + maxExpiresAtDigits + 5 + 1;

/** What the caller may store as metadata: 1024 - 157 = 867 bytes of JSON. */
export const maxCallerMetadataBytes = bindingMetadataLimit - wrapperOverheadBytes;

/**
 * The wrapper as the value handed to the binding (the binding serializes it
 * with JSON.stringify). The caller's metadata JSON is parsed back so it is
 * stored as JSON, not as an escaped string (which could double its size);
 * `JSON.stringify(JSON.parse(text))` of JSON text made by `JSON.stringify`
 * is that text again, so the stored size is the one `createKv` validated.
 */
export function packWrapper(wrapper: KvBindingWrapper): Record<string, unknown> {
  const contentTypeJson = JSON.stringify(wrapper.contentType);
  if (utf8Length(contentTypeJson) > maxContentTypeJsonBytes) {
    throw new StorageError(
      "InvalidArgument",
      `contentType ${contentTypeJson.slice(0, 40)}... is ${utf8Length(contentTypeJson)} bytes as JSON; the Workers KV ` +
        `binding keeps it in the entry's 1024-byte metadata, which leaves room for at most ${maxContentTypeJsonBytes} ` +
        "(about 126 ASCII characters): pass a shorter contentType",
    );
  }
  const packed: Record<string, unknown> = { t: wrapper.contentType };
  if (wrapper.expiresAtMs !== undefined) packed.e = wrapper.expiresAtMs;
  if (wrapper.metadataJson !== undefined) packed.m = JSON.parse(wrapper.metadataJson) as unknown;
  return packed;
}

/** An entry's metadata read back: the wrapper's fields, or a foreign entry's own metadata. */
export interface UnpackedMetadata {
  contentType: string;
  /** The exact instant from the wrapper; absent for a foreign entry or one that never expires. */
  expiresAtMs?: number;
  /** The caller's metadata, or `null`. */
  metadata: unknown;
}

const wrapperKeys = new Set(["t", "e", "m"]);

/**
 * Reads the binding's metadata. An entry written by other code (plain
 * Workers KV `put`) has no wrapper: it reads as `application/octet-stream`
 * with its own metadata as the caller's, so a Kv can read a namespace it
 * did not write.
 */
export function unpackMetadata(raw: unknown): UnpackedMetadata {
  if (isWrapper(raw)) {
    const unpacked: UnpackedMetadata = { contentType: raw.t, metadata: "m" in raw ? raw.m : null };
    if (typeof raw.e === "number") unpacked.expiresAtMs = raw.e;
    return unpacked;
  }
  return { contentType: "application/octet-stream", metadata: raw ?? null };
}

function isWrapper(raw: unknown): raw is { t: string; e?: number; m?: unknown } {
  if (!isPlainObject(raw)) return false;
  const record = raw as Record<string, unknown>;
  if (typeof record.t !== "string") return false;
  if (record.e !== undefined && !(typeof record.e === "number" && Number.isSafeInteger(record.e))) return false;
  return Object.keys(record).every((key) => wrapperKeys.has(key));
}
