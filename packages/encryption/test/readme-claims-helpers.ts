import type { Capabilities, DriverCopyOptions, DriverDeleteOptions, DriverGetOptions, DriverPutOptions, StorageDriver } from "@stowage/core";

/** The options each inner method was called with, in order. */
export interface Calls {
  get: { key: string; options: DriverGetOptions }[];
  put: { key: string; options: DriverPutOptions }[];
  copy: { from: string; to: string; options: DriverCopyOptions }[];
  delete: { keys: string[]; options: DriverDeleteOptions }[];
}

/**
 * Wraps a driver and records the options of its get, put, copy and delete;
 * `beforeCopy` runs before each copy reaches the driver (to play a
 * concurrent writer). `withoutCopy` drops the copy method (and sets the
 * `copy` capabilities off); `overrides` replaces capabilities.
 */
export function recording(
  driver: StorageDriver,
  settings: { withoutCopy?: boolean; overrides?: Partial<Capabilities>; beforeCopy?: (call: number) => Promise<void> | void } = {},
): { driver: StorageDriver; calls: Calls } {
  const calls: Calls = { get: [], put: [], copy: [], delete: [] };
  const copyOff: Partial<Capabilities> = settings.withoutCopy ? { copy: false, serverSideCopy: false, copyIfMatch: false, copyIfNotExists: false } : {};
  const wrapped: StorageDriver = {
    name: driver.name,
    capabilities: { ...driver.capabilities, ...copyOff, ...settings.overrides },
    head: (key, options) => driver.head(key, options),
    list: (options) => driver.list(options),
    get(key, options) {
      calls.get.push({ key, options: { ...options } });
      return driver.get(key, options);
    },
    put(key, body, options) {
      calls.put.push({ key, options: { ...options } });
      return driver.put(key, body, options);
    },
    delete(keys, options) {
      calls.delete.push({ keys: [...keys], options: { ...options } });
      return driver.delete(keys, options);
    },
  };
  if (!settings.withoutCopy) {
    wrapped.copy = async (from, to, options) => {
      calls.copy.push({ from, to, options: { ...options } });
      await settings.beforeCopy?.(calls.copy.length);
      return driver.copy!(from, to, options);
    };
  }
  return { driver: wrapped, calls };
}
