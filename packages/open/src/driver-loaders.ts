import { StorageError, type StorageDriver } from "@stowage/core";

/** A driver package as `openStorage` loads it. */
export type DriverModule = Record<string, unknown>;

/**
 * The driver packages, each behind its own literal `import()` so a bundler
 * sees (and can split out) the ones an app installs; a missing one is left to
 * fail at run time, where it becomes an `Unsupported` error naming the
 * package. The extra parentheses keep TypeScript from resolving the (optional,
 * possibly absent) packages while type-checking core.
 */
export const driverLoaders: Record<string, () => Promise<DriverModule>> = {
  "@stowage/memory": async () => {
    try {
      return await import(("@stowage/memory"));
    } catch (error) {
      throw loadFailure("@stowage/memory", error);
    }
  },
  "@stowage/fs": async () => {
    try {
      return await import(("@stowage/fs"));
    } catch (error) {
      throw loadFailure("@stowage/fs", error);
    }
  },
  "@stowage/s3": async () => {
    try {
      return await import(("@stowage/s3"));
    } catch (error) {
      throw loadFailure("@stowage/s3", error);
    }
  },
  "@stowage/r2": async () => {
    try {
      return await import(("@stowage/r2"));
    } catch (error) {
      throw loadFailure("@stowage/r2", error);
    }
  },
  "@stowage/azure": async () => {
    try {
      return await import(("@stowage/azure"));
    } catch (error) {
      throw loadFailure("@stowage/azure", error);
    }
  },
};

export function callFactory(module: DriverModule, factoryName: string, packageName: string, factoryOptions: Record<string, unknown>): StorageDriver {
  const factory = module[factoryName];
  if (typeof factory !== "function") {
    throw new StorageError("Unsupported", `The installed ${packageName} has no ${factoryName}(); install a version that matches @stowage/open`);
  }
  return (factory as (options: Record<string, unknown>) => StorageDriver)(factoryOptions);
}

/**
 * Turns an import failure into a `StorageError`: `Unsupported` naming the
 * package to install when the package itself is missing, else `Unknown` with
 * the loader's error as the cause (the package is there but failed to load,
 * for example because one of its own dependencies is missing).
 */
export function loadFailure(packageName: string, error: unknown): StorageError {
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  const quoted = [`'${packageName}'`, `"${packageName}"`].some((form) => message.includes(form));
  const notFound =
    code === "ERR_MODULE_NOT_FOUND" ||
    code === "MODULE_NOT_FOUND" ||
    /cannot find (module|package)|failed to resolve|could not resolve|failed to load url|no such module/i.test(message);
  if (notFound && (quoted || message.includes(packageName) && !/imported from .*node_modules/.test(message))) {
    return new StorageError("Unsupported", `This storage URL needs the ${packageName} package: install it with "npm install ${packageName}"`, {
      cause: error,
    });
  }
  return new StorageError("Unknown", `The ${packageName} package failed to load: ${message}`, { cause: error });
}
