import { isStorageError, type DriverPutOptions, type StorageDriver } from "@stowage/core";
import { encryptedSize } from "./encrypted-size.js";
import { recordField } from "./key-record.js";
import type { Keyring } from "./keyring.js";
import { requireConditional, storedFields, sweepObjects, type SweepOptions, type SweepOutcome, type SweepResult } from "./object-sweep.js";
import { withEncryption } from "./with-encryption.js";

export interface ReencryptOptions extends SweepOptions {
  /** Unwraps the current data keys; the new ones are wrapped under `to`. */
  keyring: Keyring;
  /** The key id new data keys are wrapped under (default the keyring's primary). */
  to?: string;
  /**
   * Re-encrypt only objects last modified before this instant (the
   * backend's clock). Default: when this run started. To resume an
   * interrupted run, pass the previous run's `startedAt`: objects written
   * since (re-encrypted, or written afresh with a new data key) are skipped.
   */
  before?: Date;
  /**
   * Replace objects without pinning each put to the etag read. Only for a
   * bucket with no concurrent writers: on a driver without `putIfMatch` a
   * write between the read and the put would be overwritten.
   */
  unconditional?: boolean;
}

/** A re-encryption's counts and the instant it started (pass it as `before` to resume). */
export interface ReencryptResult extends SweepResult {
  startedAt: Date;
}

/**
 * Data-key rotation, explicit and costly: re-encrypts every encrypted
 * object's body under a fresh data key (wrapped under `to`), streaming
 * get, decrypt, encrypt, put with constant memory; every stored byte is
 * read and written once (`bodyBytes`). Use it when a data key may have
 * leaked; a KEK rotation (`rotateKeys`) never needs it.
 *
 * Each put is pinned with `ifMatch` to the etag read: a concurrent write
 * wins (it has a fresh data key of its own) and is counted in `conflicts`.
 * Plaintext objects are skipped (see `encryptExisting`); a body that fails
 * authentication counts as failed and is left untouched.
 */
export async function reencrypt(options: ReencryptOptions): Promise<ReencryptResult> {
  const { driver, keyring } = options;
  const startedAt = new Date();
  const before = options.before ?? startedAt;
  const pinned = requireConditional(driver, "putIfMatch", options.unconditional, "reencrypt", "each put is pinned to the etag read, so a concurrent write is never replaced by an older body");
  const to = options.to ?? keyring.primary;
  await keyring.kek(to);
  const wrapping: Keyring = { primary: to, ids: [to, ...keyring.ids.filter((id) => id !== to)], kek: (id) => keyring.kek(id) };
  const layer = withEncryption(driver, { keyring: wrapping });
  const result = await sweepObjects(options, "reencrypt", (listed) => reencryptOne(driver, layer, listed.key, before, pinned, options.signal));
  return { ...result, startedAt };
}

async function reencryptOne(driver: StorageDriver, layer: StorageDriver, key: string, before: Date, pinned: boolean, signal: AbortSignal | undefined): Promise<SweepOutcome> {
  const signalOption = signal === undefined ? {} : { signal };
  const info = await driver.head(key, signalOption);
  if (info === null || !Object.prototype.hasOwnProperty.call(info.metadata, recordField) || info.lastModified.getTime() >= before.getTime()) {
    return { outcome: "skipped" };
  }
  let read;
  try {
    read = await layer.get(key, { ...signalOption, ...(pinned ? { ifMatch: info.etag } : {}) });
  } catch (error) {
    if (isStorageError(error, "PreconditionFailed")) return { outcome: "conflict" };
    throw error;
  }
  if (read === null) return { outcome: "skipped" };
  const size = read.info.size;
  const put: DriverPutOptions = { ...storedFields(read.info, read.info.metadata), size };
  if (pinned) put.ifMatch = read.info.etag;
  if (signal !== undefined) put.signal = signal;
  try {
    await layer.put(key, read.body, put);
  } catch (error) {
    if (isStorageError(error, "PreconditionFailed")) return { outcome: "conflict" };
    throw error;
  }
  return { outcome: "changed", bodyBytes: 2 * encryptedSize(size) };
}

