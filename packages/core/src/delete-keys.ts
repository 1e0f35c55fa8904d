import type { DriverDeleteOptions, StorageDriver } from "./storage-driver.js";
import type { DeleteOptions } from "./storage-types.js";
import type { RequireCapability } from "./operation-options.js";
import { raceAbort, throwIfAborted } from "./abort-signal.js";
import { invalid, normalizeEtag } from "./validate-options.js";

/** The most keys one driver `delete` call receives. */
const deleteBatchSize = 1000;

/**
 * Deletes `keys` (already checked) in batches of 1000, each key once.
 * `ifMatch` takes exactly one key and needs `deleteIfMatch`.
 */
export async function deleteKeys(
  driver: StorageDriver,
  keys: readonly string[],
  options: DeleteOptions,
  signal: AbortSignal | undefined,
  require: RequireCapability,
): Promise<void> {
  const unique = [...new Set(keys)];
  const driverOptions: DriverDeleteOptions = signal === undefined ? {} : { signal };
  if (options.ifMatch !== undefined) {
    require("deleteIfMatch", "ifMatch");
    if (unique.length !== 1) throw invalid(`delete with ifMatch takes exactly one key (got ${unique.length})`);
    driverOptions.ifMatch = normalizeEtag(options.ifMatch, "ifMatch");
  }
  for (let start = 0; start < unique.length; start += deleteBatchSize) {
    throwIfAborted(signal, "delete");
    const batch = unique.slice(start, start + deleteBatchSize);
    await raceAbort(driver.delete(batch, driverOptions), signal, "delete");
  }
}
