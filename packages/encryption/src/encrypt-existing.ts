import { isStorageError, type DriverPutOptions, type ObjectInfo, type StorageDriver } from "@stowage/core";
import { encryptedSize } from "./encrypted-size.js";
import { recordField } from "./key-record.js";
import type { Keyring } from "./keyring.js";
import { requireConditional, storedFields, sweepObjects, type SweepOptions, type SweepOutcome, type SweepResult } from "./object-sweep.js";
import { withEncryption } from "./with-encryption.js";

export interface EncryptExistingOptions extends SweepOptions {
  /** New data keys are wrapped under its primary key. */
  keyring: Keyring;
  /**
   * Replace objects without pinning each put to the plaintext's etag. Only
   * for a bucket with no concurrent writers: on a driver without
   * `putIfMatch` a write between the read and the put would be overwritten
   * by the older plaintext, encrypted.
   */
  unconditional?: boolean;
}

/**
 * Migration: encrypts in place the plaintext objects (those without a
 * record) already in the bucket, so a `withEncryption` layer can read them
 * without `{ plaintext: "allow" }`. Each is streamed (get, encrypt, put)
 * with constant memory; its fields and user metadata are kept. Objects
 * already encrypted are skipped, so a run is idempotent and an
 * interrupted one resumes.
 *
 * Each put is pinned with `ifMatch` to the plaintext's etag: a concurrent
 * write wins, and the object is counted in `conflicts` and left to it (run
 * again to encrypt it if that writer wrote plaintext). An interrupted put
 * leaves the plaintext object as it was.
 *
 * Rejects with `Unsupported` when the driver has no `putIfMatch` unless
 * `unconditional`, `Aborted` when `signal` aborts.
 */
export async function encryptExisting(options: EncryptExistingOptions): Promise<SweepResult> {
  const { driver, keyring } = options;
  const pinned = requireConditional(driver, "putIfMatch", options.unconditional, "encryptExisting", "each put is pinned to the plaintext's etag, so a concurrent write is never replaced by an older body");
  await keyring.kek(keyring.primary);
  const layer = withEncryption(driver, { keyring });
  return sweepObjects(options, "encryptExisting", (listed) => encryptOne(driver, layer, listed.key, pinned, options.signal));
}

async function encryptOne(driver: StorageDriver, layer: StorageDriver, key: string, pinned: boolean, signal: AbortSignal | undefined): Promise<SweepOutcome> {
  const signalOption = signal === undefined ? {} : { signal };
  const info = await driver.head(key, signalOption);
  if (info === null || Object.prototype.hasOwnProperty.call(info.metadata, recordField)) return { outcome: "skipped" };
  let read;
  try {
    read = await driver.get(key, { ...signalOption, ...(pinned ? { ifMatch: info.etag } : {}) });
  } catch (error) {
    if (isStorageError(error, "PreconditionFailed")) return { outcome: "conflict" };
    throw error;
  }
  if (read === null) return { outcome: "skipped" };
  if (Object.prototype.hasOwnProperty.call(read.info.metadata, recordField)) {
    if (read.body instanceof ReadableStream) await read.body.cancel().catch(() => {});
    return { outcome: "skipped" };
  }
  try {
    await layer.put(key, read.body, putOptions(read.info, pinned, signal));
    return { outcome: "changed", bodyBytes: read.info.size + encryptedSize(read.info.size) };
  } catch (error) {
    if (isStorageError(error, "PreconditionFailed")) return { outcome: "conflict" };
    throw error;
  }
}

function putOptions(info: ObjectInfo, pinned: boolean, signal: AbortSignal | undefined): DriverPutOptions {
  const put: DriverPutOptions = { ...storedFields(info, info.metadata), size: info.size };
  if (pinned) put.ifMatch = info.etag;
  if (signal !== undefined) put.signal = signal;
  return put;
}
