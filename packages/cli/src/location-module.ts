import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Storage, StorageError, type StorageDriver } from "@stowage/core";

/**
 * Opens `module:./my-driver.mjs`: the module's default export (or its
 * `createDriver` export) is called with the environment and returns a
 * StorageDriver, or a Promise of one. How a third party runs `stowage
 * conformance` against its own driver.
 */
export async function openModuleStorage(specifier: string, env: Record<string, string | undefined>, cwd: string): Promise<Storage> {
  if (specifier === "") {
    throw new StorageError("InvalidArgument", "module: needs a path to a driver module: module:./my-driver.mjs");
  }
  const target = /^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(specifier) ? specifier : pathToFileURL(isAbsolute(specifier) ? specifier : resolve(cwd, specifier)).href;
  let module: Record<string, unknown>;
  try {
    module = (await import(target)) as Record<string, unknown>;
  } catch (error) {
    throw new StorageError("InvalidArgument", `module:${specifier} could not be imported`, { cause: error });
  }
  const factory = typeof module.default === "function" ? module.default : module.createDriver;
  if (typeof factory !== "function") {
    throw new StorageError(
      "InvalidArgument",
      `module:${specifier} must export a function (default export or createDriver) that returns a StorageDriver`,
    );
  }
  const driver = (await (factory as (env: Record<string, string | undefined>) => unknown)(env)) as StorageDriver | Storage | null;
  if (driver instanceof Storage) return driver;
  if (driver === null || typeof driver !== "object" || typeof (driver as StorageDriver).get !== "function") {
    throw new StorageError("InvalidArgument", `module:${specifier}'s driver factory did not return a StorageDriver`);
  }
  return new Storage(driver as StorageDriver);
}
