import { createStorage, type Storage, type StorageDriver, type DriverGetResult } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { keyring, segmentSize, withEncryption, type Keyring } from "@stowage/encryption";

export const S = segmentSize;

export const testKeys: Keyring = keyring({
  keys: [
    { id: "k1", secret: "encryption-test-kek-one-0123456789abcdef" },
    { id: "k2", secret: "encryption-test-kek-two-0123456789abcdef" },
  ],
});

/** Deterministic bytes: byte i is (i * 7 + seed) mod 256. */
export function pattern(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = (index * 7 + seed) & 0xff;
  return bytes;
}

/** An encrypted storage over memory, and a plain storage over the same memory driver (the stored bytes as they are). */
export function encryptedMemory(options: { plaintext?: "allow" | "refuse" } = {}): { inner: StorageDriver; enc: Storage; raw: Storage } {
  const inner = memoryDriver();
  const enc = createStorage(withEncryption(inner, { keyring: testKeys, ...options }));
  return { inner, enc, raw: createStorage(inner) };
}

export { readUntilError } from "./shared/tamper-cases.ts";

export function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** A stream of `total` deterministic bytes in chunks of `chunk`, produced on demand. */
export function lazyStream(total: number, chunk: number, onPull?: (bytes: number) => void): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent >= total) return controller.close();
        const length = Math.min(chunk, total - sent);
        const bytes = new Uint8Array(length);
        for (let index = 0; index < length; index++) bytes[index] = ((sent + index) * 7 + 1) & 0xff;
        sent += length;
        onPull?.(length);
        controller.enqueue(bytes);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Wraps a driver and counts the body bytes its `get` returns. */
export function countingDriver(driver: StorageDriver): { driver: StorageDriver; bytesRead(): number; reset(): void } {
  let count = 0;
  const counted: StorageDriver = {
    name: driver.name,
    capabilities: driver.capabilities,
    put: (key, body, options) => driver.put(key, body, options),
    head: (key, options) => driver.head(key, options),
    list: (options) => driver.list(options),
    delete: (keys, options) => driver.delete(keys, options),
    copy: (from, to, options) => driver.copy!(from, to, options),
    get: (key, options) => countedGet(key, options),
  };
  const countedGet = async (key: string, options: Parameters<StorageDriver["get"]>[1]): Promise<DriverGetResult | null> => {
    const result = await driver.get(key, options);
    if (result === null) return null;
    if (result.body instanceof Uint8Array) {
      count += result.body.length;
      return result;
    }
    const body = result.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          count += chunk.length;
          controller.enqueue(chunk);
        },
      }),
    );
    return { ...result, body };
  };
  return { driver: counted, bytesRead: () => count, reset: () => void (count = 0) };
}
