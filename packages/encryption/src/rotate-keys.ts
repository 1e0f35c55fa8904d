import { StorageError, isStorageError, type DriverCopyOptions } from "@stowage/core";
import { formatRecord, parseRecord, recordField, unwrapDataKey, wrapDataKey } from "./key-record.js";
import type { Keyring } from "./keyring.js";
import { requireConditional, storedFields, sweepObjects, type SweepOptions, type SweepOutcome, type SweepResult } from "./object-sweep.js";

export interface RotateKeysOptions extends SweepOptions {
  /** Holds both the keys objects are under now and `to`. */
  keyring: Keyring;
  /** The key id every object's data key is re-wrapped under. */
  to: string;
  /**
   * Rotate without pinning each copy to the etag that was read. Only for a
   * bucket with no concurrent writers: on a driver without `copyIfMatch`
   * (Ceph RGW 16, Swift) a write between the read and the copy could get
   * the previous object's record, and would not decrypt.
   */
  unconditional?: boolean;
  /** Attempts per object when a concurrent write changes it between the read and the copy (default 5). */
  attempts?: number;
}

/**
 * Key rotation: re-wraps every object's data key under the keyring key `to`
 * without touching bodies. For each key it reads the inner object's record;
 * an object already under `to` is skipped (so a run is idempotent and an
 * interrupted one resumes), else its data key is unwrapped and wrapped
 * again (same data key, new KEK, same object-key binding) and the record
 * replaced by copying the object onto itself with every field kept:
 * server-side on S3 (CopyObject with REPLACE, UploadPartCopy above 5 GiB),
 * so no body byte moves. On a driver without server-side copy (the R2
 * binding) each object's stored bytes stream through this process once
 * each way: `bodyBytes` counts them.
 *
 * Each copy is pinned with `ifMatch` to the etag it read, so a concurrent
 * write wins and that object is read again (up to `attempts` times). Every
 * object stays readable throughout, under its old key or `to`, as long as
 * both are in the keyring; after a run with no failures, the old key can be
 * removed.
 *
 * ```ts
 * const result = await rotateKeys({ driver: s3, keyring, to: "2027-01", onProgress: console.log });
 * if (result.failed > 0) console.error(result.failures);
 * ```
 *
 * Rejects with `Unsupported` when the driver cannot pin a copy
 * (`copyIfMatch` off) unless `unconditional`, `PermissionDenied` when `to`
 * is not in the keyring, `Aborted` when `signal` aborts.
 */
export async function rotateKeys(options: RotateKeysOptions): Promise<SweepResult> {
  const { driver, keyring } = options;
  if (driver === undefined || typeof driver.copy !== "function" || !driver.capabilities.copy) {
    throw new StorageError("Unsupported", `rotateKeys needs a driver with copy (got ${driver?.name ?? "none"}); pass the driver withEncryption wraps`);
  }
  const pinned = requireConditional(driver, "copyIfMatch", options.unconditional, "rotateKeys", "each copy is pinned to the etag whose record was re-wrapped, so a concurrent write is never given a stale record");
  await keyring.kek(options.to);
  const attempts = options.attempts ?? 5;
  const streamed = !driver.capabilities.serverSideCopy;
  return sweepObjects(options, "rotateKeys", async (listed) => {
    for (let attempt = 0; attempt < attempts; attempt++) {
      const outcome = await rotateOne(options, listed.key, pinned, streamed);
      if (outcome !== "changed-underfoot") return outcome;
    }
    throw new StorageError("Unavailable", `${listed.key} kept changing during rotation (${attempts} attempts)`, { key: listed.key });
  });
}

async function rotateOne(options: RotateKeysOptions, key: string, pinned: boolean, streamed: boolean): Promise<SweepOutcome | "changed-underfoot"> {
  const { driver, keyring, to, signal } = options;
  const info = await driver.head(key, signal === undefined ? {} : { signal });
  if (info === null) return { outcome: "skipped" };
  const text = info.metadata[recordField];
  if (text === undefined) return { outcome: "skipped" };
  const record = parseRecord(text, key);
  if (record.kid === to) return { outcome: "skipped" };
  const dek = await unwrapDataKey(keyring, record, key);
  const rewrapped = await wrapDataKey(keyring, to, key, dek, crypto.getRandomValues(new Uint8Array(12)));
  const copy: DriverCopyOptions = { replace: storedFields(info, { ...info.metadata, [recordField]: formatRecord(rewrapped) }) };
  if (pinned) copy.ifMatch = info.etag;
  if (signal !== undefined) copy.signal = signal;
  try {
    await driver.copy!(key, key, copy);
  } catch (error) {
    if (isStorageError(error, "PreconditionFailed") || isStorageError(error, "NotFound")) return "changed-underfoot";
    throw error;
  }
  return { outcome: "changed", bodyBytes: streamed ? 2 * info.size : 0 };
}
