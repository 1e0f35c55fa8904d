import type { CapabilityName } from "./capabilities.js";
import type { DriverCopyOptions, DriverObjectFields, StorageDriver } from "./storage-driver.js";
import type { ObjectInfo } from "./storage-types.js";
import { StorageError, isStorageError } from "./storage-error.js";
import { invalid } from "./validate-options.js";
import { mergeObjectFields } from "./object-fields.js";
import { expiredError, isExpired, storedExpiry, withSourceExpiry } from "./object-expiry.js";

/** What the copy and move steps need from `Storage`. */
export interface CopyContext {
  driver: StorageDriver;
  require(capability: CapabilityName, option: string): void;
  can(capability: CapabilityName): boolean;
  /** The storage clock, to judge expiry. */
  now(): number;
  /** The caller's metadata budget (the expiry field must fit beside replaced metadata). */
  metadataLimit: number;
}

export interface CopyRequest {
  operation: "copy" | "updateMetadata";
  ifMatch?: string;
  ifNotExists?: boolean;
  /** The fields to replace, validated; undefined keeps the source's. */
  changes?: Partial<DriverObjectFields>;
  signal?: AbortSignal;
}

/**
 * Copies with the options checked. With changes, the source is read first
 * (its fields merged with the changes), and where the driver honours
 * `ifMatch` the copy is pinned to the etag that was read, so the merged
 * fields always belong to the bytes copied.
 */
export async function copyObject(context: CopyContext, from: string, to: string, request: CopyRequest): Promise<ObjectInfo> {
  const { driver } = context;
  context.require("copy", request.operation);
  if (request.ifNotExists) {
    if (from === to) throw invalid(`${request.operation} onto the same key with ifNotExists can never succeed (the key exists)`);
    context.require("copyIfNotExists", "ifNotExists");
  }
  if (request.ifMatch !== undefined) context.require("copyIfMatch", "ifMatch");
  if (from === to && request.changes === undefined) {
    throw invalid("Copying a key onto itself changes nothing: pass the fields to replace (contentType, metadata, ...), or use updateMetadata");
  }
  const options: DriverCopyOptions = {};
  if (request.signal !== undefined) options.signal = request.signal;
  if (request.ifNotExists) options.ifNotExists = true;
  if (request.ifMatch !== undefined) options.ifMatch = request.ifMatch;
  if (request.changes === undefined && context.can("expiry")) await refuseExpired(context, from, request.signal);
  if (request.changes !== undefined) {
    const source = await liveSource(context, from, request.signal);
    if (request.ifMatch !== undefined && source.etag !== request.ifMatch) {
      throw new StorageError("PreconditionFailed", `${from} has etag ${source.etag}, not ${request.ifMatch}`, { key: from });
    }
    // Pinned, so the merged fields belong to the bytes copied.
    if (context.can("copyIfMatch")) options.ifMatch = source.etag;
    options.replace = withSourceExpiry(source, mergeObjectFields(source, request.changes), context.metadataLimit);
  }
  return driver.copy!.call(driver, from, to, options);
}

/**
 * An expired source is absent: `NotFound`, never copied or moved over the
 * target. A missing source and the caller's conditions are left to the
 * driver's atomic checks.
 */
async function refuseExpired(context: CopyContext, from: string, signal: AbortSignal | undefined): Promise<void> {
  const source = await context.driver.head(from, signal === undefined ? {} : { signal });
  if (source !== null && isExpired(source, context.now())) throw expiredError(from, storedExpiry(source)!);
}

/** The source's info; `NotFound` when it is missing or has expired. */
async function liveSource(context: CopyContext, from: string, signal: AbortSignal | undefined): Promise<ObjectInfo> {
  const source = await context.driver.head(from, signal === undefined ? {} : { signal });
  if (source === null) throw new StorageError("NotFound", `${from} does not exist`, { key: from });
  if (isExpired(source, context.now())) throw expiredError(from, storedExpiry(source)!);
  return source;
}


export interface MoveRequest {
  ifMatch?: string;
  ifNotExists?: boolean;
  signal?: AbortSignal;
}

/**
 * Moves with the driver's atomic rename when it has one; else copies, then
 * deletes the source only at the etag that was copied. A source overwritten
 * in between is never lost: the delete fails, the newer source stays, and
 * the move rejects with `PreconditionFailed` saying so.
 */
export async function moveObject(context: CopyContext, from: string, to: string, request: MoveRequest): Promise<ObjectInfo> {
  const { driver } = context;
  if (from === to) throw invalid("move needs two different keys");
  if (request.ifNotExists) context.require("copyIfNotExists", "ifNotExists");
  const signalOption = request.signal === undefined ? {} : { signal: request.signal };
  if (driver.move !== undefined) {
    if (request.ifMatch !== undefined) context.require("copyIfMatch", "ifMatch");
    // An expired source is absent: never moved over the target.
    if (context.can("expiry")) await refuseExpired(context, from, request.signal);
    return driver.move(from, to, { ...signalOption, ...pick(request) });
  }
  context.require("copy", "move");
  context.require("deleteIfMatch", "move");
  const source = await liveSource(context, from, request.signal);
  if (request.ifMatch !== undefined && source.etag !== request.ifMatch) {
    throw new StorageError("PreconditionFailed", `${from} has etag ${source.etag}, not ${request.ifMatch}`, { key: from });
  }
  const copyOptions: DriverCopyOptions = { ...signalOption };
  if (context.can("copyIfMatch")) copyOptions.ifMatch = source.etag;
  if (request.ifNotExists) copyOptions.ifNotExists = true;
  const info = await driver.copy!.call(driver, from, to, copyOptions);
  try {
    await driver.delete([from], { ...signalOption, ifMatch: source.etag });
  } catch (error) {
    if (isStorageError(error) && error.code === "PreconditionFailed") {
      throw new StorageError(
        "PreconditionFailed",
        `${from} changed while it was being moved: ${to} holds the version that was copied (etag ${source.etag}), and the newer ${from} was left in place`,
        { key: from, cause: error },
      );
    }
    throw error;
  }
  return info;
}

function pick(request: MoveRequest): { ifMatch?: string; ifNotExists?: boolean } {
  const out: { ifMatch?: string; ifNotExists?: boolean } = {};
  if (request.ifMatch !== undefined) out.ifMatch = request.ifMatch;
  if (request.ifNotExists) out.ifNotExists = true;
  return out;
}
