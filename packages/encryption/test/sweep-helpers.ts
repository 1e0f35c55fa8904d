import type { Capabilities, DriverCopyOptions, DriverPutOptions, StorageDriver } from "@stowage/core";
import { createStorage, type Storage } from "@stowage/core";
import { keyring, withEncryption, type Keyring } from "@stowage/encryption";

const secretOne = "encryption-test-kek-one-0123456789abcdef";
const secretTwo = "encryption-test-kek-two-0123456789abcdef";

/** k1 primary, k2 present: objects are written under k1. */
export const beforeRotation: Keyring = keyring({ keys: [{ id: "k1", secret: secretOne }, { id: "k2", secret: secretTwo }] });
/** k2 primary, k1 still present (during a rotation). */
export const duringRotation: Keyring = keyring({ keys: [{ id: "k2", secret: secretTwo }, { id: "k1", secret: secretOne }] });
/** k1 removed. */
export const afterRotation: Keyring = keyring({ keys: [{ id: "k2", secret: secretTwo }] });

export function encrypted(driver: StorageDriver, keys: Keyring): Storage {
  return createStorage(withEncryption(driver, { keyring: keys }));
}

export interface Hooks {
  beforeCopy?: (from: string, to: string, options: DriverCopyOptions) => Promise<void> | void;
  beforePut?: (key: string, options: DriverPutOptions) => Promise<void> | void;
}

/**
 * Wraps a driver: counts the body bytes its get returns and its put
 * receives, runs hooks before copy and put (to play a concurrent writer),
 * and can override capabilities.
 */
export function instrumented(driver: StorageDriver, overrides: Partial<Capabilities> = {}): { driver: StorageDriver; hooks: Hooks; bytes(): { read: number; written: number } } {
  let read = 0;
  let written = 0;
  const hooks: Hooks = {};
  const count = (stream: ReadableStream<Uint8Array>, add: (n: number) => void): ReadableStream<Uint8Array> =>
    stream.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform(chunk, controller) { add(chunk.length); controller.enqueue(chunk); } }));
  const wrapped: StorageDriver = {
    name: driver.name,
    capabilities: { ...driver.capabilities, ...overrides },
    head: (key, options) => driver.head(key, options),
    list: (options) => driver.list(options),
    delete: (keys, options) => driver.delete(keys, options),
    async get(key, options) {
      const result = await driver.get(key, options);
      if (result === null) return null;
      if (result.body instanceof Uint8Array) {
        read += result.body.length;
        return result;
      }
      return { ...result, body: count(result.body, (n) => (read += n)) };
    },
    async put(key, body, options) {
      await hooks.beforePut?.(key, options);
      if (body instanceof Uint8Array) written += body.length;
      return driver.put(key, body instanceof Uint8Array ? body : count(body, (n) => (written += n)), options);
    },
    async copy(from, to, options) {
      await hooks.beforeCopy?.(from, to, options);
      return driver.copy!(from, to, options);
    },
  };
  return { driver: wrapped, hooks, bytes: () => ({ read, written }) };
}

/** The kid of each stored object's record (undefined for plaintext). */
export async function kids(driver: StorageDriver, prefix = ""): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  const page = await driver.list({ prefix, limit: 1000 });
  for (const object of page.objects) {
    const info = await driver.head(object.key, {});
    out[object.key] = info?.metadata["stowage-enc"]?.split(".")[1];
  }
  return out;
}

/** The stored (inner) bytes of an object. */
export async function storedBytes(driver: StorageDriver, key: string): Promise<Uint8Array> {
  return createStorage(driver).get(key).then((object) => object!.bytes());
}
