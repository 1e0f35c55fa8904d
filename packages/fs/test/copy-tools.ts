import { createHash } from "node:crypto";
import { isStorageError, type Storage } from "@stowage/core";

/** The StorageError code a promise rejects with, or "ok". */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (isStorageError(error)) return error.code;
    throw error;
  }
}

/** Deterministic pseudo-random bytes (fast to make, no repeating pattern a copy could fake). */
export function patternBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[index] = state & 0xff;
  }
  return out;
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The SHA-256 of an object's body, read as a stream. */
export async function storedHash(storage: Storage, key: string): Promise<string | undefined> {
  const object = await storage.get(key);
  if (object === null) return undefined;
  const hash = createHash("sha256");
  for await (const chunk of object.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest("hex");
}
