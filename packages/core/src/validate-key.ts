import { StorageError } from "./storage-error.js";
import { describe } from "./known-options.js";

/** The longest key, in UTF-8 bytes. */
export const maxKeyBytes = 1024;

/**
 * Why `key` is not a legal Stowage key, or `undefined` when it is.
 *
 * A legal key is 1-1024 bytes of UTF-8 (well-formed: no lone surrogates) with
 * no control characters (U+0000-U+001F, U+007F), no leading `/`, no trailing
 * `/`, and no empty, `.` or `..` segment. Every other character is legal.
 */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== "string") return "a key must be a string";
  if (key.length === 0) return "a key must not be empty";
  let bytes = 0;
  let segmentStart = 0;
  for (let index = 0; index <= key.length; index++) {
    const code = index < key.length ? key.charCodeAt(index) : 0x2f;
    if (code === 0x2f) {
      const length = index - segmentStart;
      if (length === 0) {
        if (index === 0) return "a key must not start with /";
        if (index === key.length) return "a key must not end with /";
        return "a key must not contain an empty segment (//)";
      }
      if (length <= 2 && key.charCodeAt(segmentStart) === 0x2e && (length === 1 || key.charCodeAt(segmentStart + 1) === 0x2e)) {
        return "a key must not contain a . or .. segment";
      }
      segmentStart = index + 1;
      if (index === key.length) break;
      bytes += 1;
      continue;
    }
    if (code < 0x20 || code === 0x7f) return `a key must not contain control characters (U+${code.toString(16).padStart(4, "0").toUpperCase()})`;
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      const next = index + 1 < key.length ? key.charCodeAt(index + 1) : 0;
      if (next < 0xdc00 || next > 0xdfff) return "a key must be well-formed UTF-16 (a lone surrogate has no UTF-8 form)";
      bytes += 4;
      index++;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return "a key must be well-formed UTF-16 (a lone surrogate has no UTF-8 form)";
    } else bytes += 3;
  }
  if (bytes > maxKeyBytes) return `a key must be at most ${maxKeyBytes} bytes of UTF-8 (got ${bytes})`;
  return undefined;
}

/** True when `key` is a legal key. */
export function isValidKey(key: unknown): key is string {
  return keyProblem(key) === undefined;
}

/** Throws `InvalidKey` unless `key` is legal. */
export function assertValidKey(key: unknown, operation = ""): asserts key is string {
  const problem = keyProblem(key);
  if (problem !== undefined) {
    throw new StorageError("InvalidKey", `Invalid key ${safeQuote(key)}: ${problem}`, {
      operation,
      key: typeof key === "string" ? key : undefined,
    });
  }
}

function safeQuote(value: unknown): string {
  if (typeof value !== "string") return `(${describe(value)})`;
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return JSON.stringify(shown);
}
