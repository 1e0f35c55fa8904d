import { isStorageError, type StorageError, type StorageErrorCode } from "@stowage/core";

/** Thrown when a KV conformance check fails. Independent of any test runner. */
export class KvConformanceFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KvConformanceFailure";
  }
}

export function fail(message: string): never {
  throw new KvConformanceFailure(message);
}

export function assertTrue(condition: unknown, message: string): asserts condition {
  if (!condition) fail(message);
}

export function assertEqual<T>(actual: T, expected: T, message: string): void {
  if (!Object.is(actual, expected)) fail(`${message}: expected ${show(expected)}, got ${show(actual)}`);
}

export function assertDeepEqual(actual: unknown, expected: unknown, message: string): void {
  const a = show(actual);
  const b = show(expected);
  if (a !== b) fail(`${message}:\n  expected ${b}\n  got      ${a}`);
}

export function assertBytesEqual(actual: Uint8Array, expected: Uint8Array, message: string): void {
  if (actual.byteLength !== expected.byteLength) fail(`${message}: expected ${expected.byteLength} bytes, got ${actual.byteLength}`);
  for (let index = 0; index < actual.byteLength; index++) {
    if (actual[index] !== expected[index]) fail(`${message}: bytes differ at offset ${index} (expected ${expected[index]}, got ${actual[index]})`);
  }
}

/** Awaits `promise` and checks that it rejects with a StorageError of one of `codes`. */
export async function assertRejectsWith(promise: Promise<unknown>, codes: StorageErrorCode | StorageErrorCode[], message: string): Promise<StorageError> {
  const wanted = Array.isArray(codes) ? codes : [codes];
  let result: unknown;
  try {
    result = await promise;
  } catch (error) {
    if (!isStorageError(error)) fail(`${message}: expected a StorageError ${wanted.join("/")}, got ${error instanceof Error ? `${error.name}: ${error.message}` : show(error)}`);
    if (!wanted.includes(error.code)) fail(`${message}: expected StorageError ${wanted.join("/")}, got ${error.code} (${error.message})`);
    return error;
  }
  return fail(`${message}: expected StorageError ${wanted.join("/")}, but it resolved with ${show(result)}`);
}

/** Milliseconds of an optional Date, for comparisons. */
export function timeOf(date: Date | undefined): number | undefined {
  return date === undefined ? undefined : date.getTime();
}

/** An expiry instant equals `expected` to within a second (a backend may keep whole seconds). */
export function assertExpiry(actual: Date | undefined, expected: number, message: string): void {
  if (actual === undefined) fail(`${message}: expected an expiry at ${new Date(expected).toISOString()}, got none`);
  if (Math.abs(actual.getTime() - expected) >= 1000) fail(`${message}: expected an expiry at ${new Date(expected).toISOString()}, got ${actual.toISOString()}`);
}

export function show(value: unknown): string {
  if (value instanceof Uint8Array) return `Uint8Array(${value.byteLength})`;
  if (value instanceof Date) return `Date(${value.toISOString()})`;
  try {
    return JSON.stringify(value, (_key, item: unknown) => (item instanceof Date ? `Date(${item.toISOString()})` : item)) ?? String(value);
  } catch {
    return String(value);
  }
}

const encoder = new TextEncoder();

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/** `length` deterministic pseudo-random bytes. */
export function patternBytes(length: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[index] = state & 0xff;
  }
  return out;
}

/** Yields to the event loop once (a macrotask), without waiting on time. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
