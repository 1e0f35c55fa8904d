import { isStorageError, type StorageErrorCode } from "@stowage/core";

/** Thrown when a conformance check fails. Independent of any test runner. */
export class ConformanceFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConformanceFailure";
  }
}

export function fail(message: string): never {
  throw new ConformanceFailure(message);
}

export function assertTrue(condition: unknown, message: string): asserts condition {
  if (!condition) fail(message);
}

export function assertEqual<T>(actual: T, expected: T, message: string): void {
  if (!Object.is(actual, expected)) fail(`${message}: expected ${show(expected)}, got ${show(actual)}`);
}

export function assertDeepEqual(actual: unknown, expected: unknown, message: string): void {
  const a = stableJson(actual);
  const b = stableJson(expected);
  if (a !== b) fail(`${message}:\n  expected ${b}\n  got      ${a}`);
}

export function assertBytesEqual(actual: Uint8Array, expected: Uint8Array, message: string): void {
  if (actual.byteLength !== expected.byteLength) {
    fail(`${message}: expected ${expected.byteLength} bytes, got ${actual.byteLength}`);
  }
  for (let index = 0; index < actual.byteLength; index++) {
    if (actual[index] !== expected[index]) {
      fail(`${message}: bytes differ at offset ${index} (expected ${expected[index]}, got ${actual[index]})`);
    }
  }
}

/** Awaits `promise` and checks that it rejects with a StorageError of `code`. Returns the error. */
export async function assertRejectsWith(promise: Promise<unknown>, code: StorageErrorCode, message: string) {
  let result: unknown;
  try {
    result = await promise;
  } catch (error) {
    if (!isStorageError(error)) fail(`${message}: expected a StorageError ${code}, got ${describeError(error)}`);
    if (error.code !== code) fail(`${message}: expected StorageError ${code}, got ${error.code} (${error.message})`);
    return error;
  }
  return fail(`${message}: expected StorageError ${code}, but it resolved with ${show(result)}`);
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return show(error);
}

function show(value: unknown): string {
  if (value instanceof Uint8Array) return `Uint8Array(${value.byteLength})`;
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  } catch {
    return String(value);
  }
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner instanceof Date) return `Date(${inner.toISOString()})`;
    if (inner && typeof inner === "object" && !Array.isArray(inner)) {
      return Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return inner;
  });
}
