import { createStorage, isStorageError, withPrefix, type Storage, type StorageDriver } from "@stowage/core";
import type { DriverFixture } from "@stowage/conformance";

/** The storage the cases run against, scoped to a scratch prefix, and how to clean it up. */
export interface ConformanceTarget {
  /** The driver under the scratch prefix (`withPrefix`): what every case but the full-key-length ones gets. */
  fixture: DriverFixture;
  /** The storage's own driver, recording the keys it writes, for the cases that need all 1,024 key bytes. */
  unscopedFixture: DriverFixture;
  /** The scratch prefix inside the storage, ending in `/`. */
  scratchPrefix: string;
  /** Deletes every object under the scratch prefix and the recorded keys, and aborts upload sessions left there. */
  cleanup(): Promise<CleanupResult>;
}

/** What the cleanup removed, and what it could not. */
export interface CleanupResult {
  deleted: number;
  abortedUploads: number;
  /** Errors met while cleaning (the cleanup goes on past each). */
  errors: string[];
}

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** `base` (a key prefix inside the storage, possibly empty) plus a fresh `stowage-conformance-<random>/`. */
export function scratchPrefixUnder(base: string): string {
  const parent = base === "" || base.endsWith("/") ? base : `${base}/`;
  return `${parent}stowage-conformance-${randomSuffix()}/`;
}

/**
 * The driver with `put`, `copy` and `move` targets recorded, so what a case
 * writes outside the scratch prefix can be deleted afterwards. A Proxy keeps
 * every other member (and a class driver's prototype methods) as it is.
 */
function recordingDriver(driver: StorageDriver, written: Set<string>): StorageDriver {
  return new Proxy(driver, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      if (property === "put") return (key: string, ...rest: unknown[]) => (written.add(key), method.call(target, key, ...rest));
      if (property === "copy" || property === "move") {
        return (from: string, to: string, ...rest: unknown[]) => (written.add(to), method.call(target, from, to, ...rest));
      }
      return method.bind(target);
    },
  });
}

/**
 * Prepares a run under a scratch prefix of `storage`: the cases write only
 * there (and, for the full-key-length cases, keys that are recorded), so
 * they can run against a bucket that holds other data.
 */
export function prepareConformanceTarget(storage: Storage, basePrefix: string, fetchImpl?: DriverFixture["fetch"]): ConformanceTarget {
  const scratchPrefix = scratchPrefixUnder(basePrefix);
  const written = new Set<string>();
  const extra = fetchImpl === undefined ? {} : { fetch: fetchImpl };
  const fixture: DriverFixture = { driver: withPrefix(storage.driver, scratchPrefix), ...extra };
  const unscopedFixture: DriverFixture = { driver: recordingDriver(storage.driver, written), ...extra };
  return {
    fixture,
    unscopedFixture,
    scratchPrefix,
    async cleanup() {
      const result: CleanupResult = { deleted: 0, abortedUploads: 0, errors: [] };
      // A storage without expiry filters; `createStorage` over the raw driver sees every object, expired ones too.
      const raw = createStorage(storage.driver);
      if (raw.capabilities.multipartUpload) {
        try {
          // Sessions started up to a minute from now (clock skew) under the scratch prefix.
          const aborted = await raw.uploads.abortAll({ olderThan: new Date(Date.now() + 60_000), prefix: scratchPrefix });
          result.abortedUploads += aborted.aborted;
        } catch (error) {
          result.errors.push(`aborting upload sessions: ${(error as Error).message}`);
        }
      }
      try {
        result.deleted += (await raw.deletePrefix(scratchPrefix)).deleted;
      } catch (error) {
        result.errors.push(`deleting ${scratchPrefix}: ${(error as Error).message}`);
      }
      for (const key of written) {
        if (key.startsWith(scratchPrefix)) continue;
        try {
          if ((await raw.head(key)) !== null) {
            await raw.delete(key);
            result.deleted += 1;
          }
        } catch (error) {
          if (!(isStorageError(error) && error.code === "NotFound")) result.errors.push(`deleting ${key}: ${(error as Error).message}`);
        }
      }
      return result;
    },
  };
}
