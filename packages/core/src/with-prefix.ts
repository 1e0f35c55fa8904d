import type { StorageDriver } from "./storage-driver.js";
import type { ObjectInfo } from "./storage-types.js";
import { StorageError } from "./storage-error.js";
import { keyProblem, maxKeyBytes } from "./validate-key.js";
import { utf8Length } from "./compare-utf8.js";

/**
 * A layer that scopes every key under `prefix` (for example `"tenant-1/"`):
 * object keys, list prefixes and their results, cursors and signed keys.
 * Keys come back without the prefix, so the wrapped driver looks like a
 * bucket of its own. Cursors stay the inner driver's, with the prefix cut out
 * where it appears literally; since every inner list is bounded by the
 * prefix, no cursor can reach keys outside it.
 */
export function withPrefix(driver: StorageDriver, prefix: string): StorageDriver {
  const problem = keyProblem(`${prefix}x`);
  if (typeof prefix !== "string" || prefix.length === 0 || problem !== undefined) {
    throw new StorageError("InvalidArgument", `withPrefix needs a prefix that can start a key${problem ? `: ${problem}` : ""}`);
  }
  const prefixBytes = utf8Length(prefix);
  const scope = (key: string): string => {
    if (prefixBytes + utf8Length(key) > maxKeyBytes) {
      throw new StorageError("InvalidKey", `The key is longer than ${maxKeyBytes} bytes once the prefix is added`, { key });
    }
    return prefix + key;
  };
  const unscope = (key: string): string => (key.startsWith(prefix) ? key.slice(prefix.length) : key);
  const unscopeInfo = <T extends ObjectInfo>(info: T): T => ({ ...info, key: unscope(info.key) });

  const layered: StorageDriver = {
    name: driver.name,
    capabilities: driver.capabilities,
    raw: driver.raw,
    ...(driver.signPutConflicts === undefined ? {} : { signPutConflicts: driver.signPutConflicts }),
    ...(driver.capabilityHints === undefined ? {} : { capabilityHints: driver.capabilityHints }),
    ...(driver.uploadLimits === undefined ? {} : { uploadLimits: driver.uploadLimits }),
    ...(driver.maxMetadataBytes === undefined ? {} : { maxMetadataBytes: driver.maxMetadataBytes }),
    ...(driver.publicUrlRefusal === undefined ? {} : { publicUrlRefusal: driver.publicUrlRefusal }),
    async put(key, body, options) {
      return unscopeInfo(await driver.put(scope(key), body, options));
    },
    async get(key, options) {
      const result = await driver.get(scope(key), options);
      if (result === null) return null;
      return { ...result, info: unscopeInfo(result.info) };
    },
    async head(key, options) {
      const info = await driver.head(scope(key), options);
      return info === null ? null : unscopeInfo(info);
    },
    async list(options) {
      const inner = { ...options, prefix: prefix + options.prefix };
      if (options.startAfter !== undefined) inner.startAfter = prefix + options.startAfter;
      if (options.cursor !== undefined) inner.cursor = restorePrefix(options.cursor, prefix);
      const page = await driver.list(inner);
      const result: Awaited<ReturnType<StorageDriver["list"]>> = {
        objects: page.objects.map(unscopeInfo),
        prefixes: page.prefixes.map(unscope),
      };
      if (page.cursor !== undefined) result.cursor = hidePrefix(page.cursor, prefix);
      return result;
    },
    async delete(keys, options) {
      await driver.delete(keys.map(scope), options);
    },
  };
  if (driver.copy !== undefined) {
    const copy = driver.copy.bind(driver);
    layered.copy = async (from, to, options) => unscopeInfo(await copy(scope(from), scope(to), options));
  }
  if (driver.move !== undefined) {
    const move = driver.move.bind(driver);
    layered.move = async (from, to, options) => unscopeInfo(await move(scope(from), scope(to), options));
  }
  scopeUploads(driver, layered, scope, unscope, unscopeInfo);
  if (driver.signPut !== undefined) {
    const signPut = driver.signPut.bind(driver);
    layered.signPut = (key, options) => signPut(scope(key), options);
  }
  if (driver.signGet !== undefined) {
    const signGet = driver.signGet.bind(driver);
    layered.signGet = (key, options) => signGet(scope(key), options);
  }
  return layered;
}

/** Passes the multipart upload methods the driver has through the prefix. */
function scopeUploads(
  driver: StorageDriver,
  layered: StorageDriver,
  scope: (key: string) => string,
  unscope: (key: string) => string,
  unscopeInfo: <T extends ObjectInfo>(info: T) => T,
): void {
  const bound = <M extends keyof StorageDriver>(method: M) => {
    const found = driver[method];
    return typeof found === "function" ? (found as (...args: never[]) => unknown).bind(driver) : undefined;
  };
  const createUpload = bound("createUpload") as StorageDriver["createUpload"];
  if (createUpload) layered.createUpload = (key, options) => createUpload(scope(key), options);
  const signUploadPart = bound("signUploadPart") as StorageDriver["signUploadPart"];
  if (signUploadPart) layered.signUploadPart = (key, id, part, options) => signUploadPart(scope(key), id, part, options);
  const listUploadParts = bound("listUploadParts") as StorageDriver["listUploadParts"];
  if (listUploadParts) layered.listUploadParts = (key, id, options) => listUploadParts(scope(key), id, options);
  const completeUpload = bound("completeUpload") as StorageDriver["completeUpload"];
  if (completeUpload) layered.completeUpload = async (key, id, parts, options) => unscopeInfo(await completeUpload(scope(key), id, parts, options));
  const abortUpload = bound("abortUpload") as StorageDriver["abortUpload"];
  if (abortUpload) layered.abortUpload = (key, id, options) => abortUpload(scope(key), id, options);
  const listUploads = bound("listUploads") as StorageDriver["listUploads"];
  if (listUploads) {
    layered.listUploads = async (options) =>
      (await listUploads({ ...options, prefix: options.prefix === "" ? scopePrefix(scope) : scope(options.prefix) })).map((upload) => ({ ...upload, key: unscope(upload.key) }));
  }
  const uploadPart = bound("uploadPart") as StorageDriver["uploadPart"];
  if (uploadPart) layered.uploadPart = (key, id, part, body, options) => uploadPart(scope(key), id, part, body, options);
}

/** The layer's prefix itself (scope() of a key appends to it). */
function scopePrefix(scope: (key: string) => string): string {
  return scope("x").slice(0, -1);
}

/**
 * Cuts the first literal occurrence of `prefix` out of an inner cursor,
 * recording where it was: `"<index>.<rest>"`, or `"-.<cursor>"` when the
 * cursor does not contain it. `restorePrefix` reverses this exactly.
 */
function hidePrefix(cursor: string, prefix: string): string {
  const index = cursor.indexOf(prefix);
  if (index < 0) return `-.${cursor}`;
  return `${index}.${cursor.slice(0, index)}${cursor.slice(index + prefix.length)}`;
}

function restorePrefix(cursor: string, prefix: string): string {
  const dot = cursor.indexOf(".");
  const mark = cursor.slice(0, dot);
  const rest = cursor.slice(dot + 1);
  if (dot > 0 && mark === "-") return rest;
  const index = /^(0|[1-9][0-9]{0,5})$/.test(mark) ? Number(mark) : -1;
  if (dot < 0 || index < 0 || index > rest.length) {
    throw new StorageError("InvalidArgument", "The cursor was not made by this prefixed storage");
  }
  return rest.slice(0, index) + prefix + rest.slice(index);
}
