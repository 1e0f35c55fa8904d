import { putObjectInfo, StorageError, type DriverPutBody, type DriverPutOptions, type ObjectInfo } from "@stowage/core";
import { locateKey, throwIfAborted, type DriverContext, type KeyLocation } from "./driver-context.js";
import { acquireKeyLock } from "./key-lock.js";
import { errorCode, mapFsError } from "./map-fs-error.js";
import { createFlags } from "./open-flags.js";
import { buildHeader, sealFields, sealHeader, sealOffset } from "./object-header.js";
import { lockPrefix, temporaryName } from "./owner-tag.js";
import { openObject, readInfo, readInfoIn } from "./read-object.js";
import { entryPath, syncDirectory, type DirectoryChain } from "./root-directory.js";
import { newVersionToken } from "./version-token.js";

/** Stream puts are written in batches of about this size. */
export const writeBatchBytes = 1024 * 1024;

/** Names of temporary files being written by any driver in this process; cleanup leaves them alone. */
export const activeTemporaries = new Set<string>();

/** Writes buffers at a file position (a positional gathered write); resolves with the bytes written. */
export type Writer = (buffers: Uint8Array[], position: number) => Promise<number>;

/**
 * Puts an object: writes a temporary file (header, then body) in the key's
 * own directory, held open from the root down, and publishes it there:
 * rename(2) for a plain put, link(2) for `ifNotExists`, rename under the
 * key's lock for `ifMatch`. Every name is resolved inside a directory the
 * driver holds open, so a directory swapped for a link mid-put is never
 * followed.
 */
export async function putObject(context: DriverContext, key: string, body: DriverPutBody, options: DriverPutOptions): Promise<ObjectInfo> {
  const location = locateKey(context.codec, key);
  let chain: DirectoryChain | undefined;
  let temporary: string | undefined;
  let descriptor: number | undefined;
  try {
    throwIfAborted(options.signal, "put");
    // Fail early, before the body is read; the check is repeated atomically at commit.
    if (options.ifNotExists && (await exists(context, location))) {
      throw new StorageError("AlreadyExists", `${key} already exists`);
    }
    if (options.ifMatch !== undefined) {
      const current = await readInfo(context, location);
      if (current === null || current.info.etag !== options.ifMatch) {
        throw new StorageError("PreconditionFailed", `${key} does not have etag ${options.ifMatch}`);
      }
    }
    const header = buildHeader({
      key,
      contentType: options.contentType,
      cacheControl: options.cacheControl,
      contentDisposition: options.contentDisposition,
      contentEncoding: options.contentEncoding,
      metadata: options.metadata,
    });
    ({ chain, temporary, descriptor } = await createTemporary(context, location));
    const opened = descriptor;
    const write: Writer = (buffers, position) => context.io.writev(opened, buffers, position);
    const version = newVersionToken();
    let size: number;
    let lastModified: number;
    if (body instanceof Uint8Array) {
      size = body.byteLength;
      lastModified = Date.now();
      sealHeader(header, size, lastModified, version);
      await writeAll(write, [header, body], 0);
    } else {
      size = await writeStream(write, header, body);
      lastModified = Date.now();
      await writeAll(write, [sealFields(size, lastModified, version)], sealOffset);
    }
    if (context.durable) await context.io.fsync(opened);
    descriptor = undefined;
    await context.meta.close(opened);
    throwIfAborted(options.signal, "put");
    await commit(context, chain, temporary, location, key, options);
    temporary = undefined;
    return putObjectInfo(key, { size, etag: version.toString("hex"), lastModified: new Date(lastModified) }, options);
  } catch (error) {
    throw mapFsError(error, `put ${key}`);
  } finally {
    if (descriptor !== undefined) {
      try {
        await context.meta.close(descriptor);
      } catch {
        // already unusable
      }
    }
    if (temporary !== undefined) {
      await context.io.unlink(entryPath(chain!.last, temporary)).catch(() => {});
      activeTemporaries.delete(temporary);
    }
    await chain?.close();
  }
}

/** True when the key's file exists. */
export async function exists(context: DriverContext, location: KeyLocation): Promise<boolean> {
  const descriptor = await openObject(context, location);
  if (descriptor === null) return false;
  await context.meta.close(descriptor);
  return true;
}

/**
 * Opens (creating as needed) the key's directories and creates a temporary
 * file in the last one, with the file mode set exactly (fchmod: the umask
 * does not apply).
 */
async function createTemporary(
  context: DriverContext,
  location: KeyLocation,
): Promise<{ chain: DirectoryChain; temporary: string; descriptor: number }> {
  for (let attempt = 0; ; attempt++) {
    const name = temporaryName();
    activeTemporaries.add(name);
    let chain: DirectoryChain | null = null;
    try {
      chain = await context.root.openChain(location.directoryNames, context.meta, { mode: context.directoryMode, sync: context.durable });
      const descriptor = await context.meta.open(entryPath(chain!.last, name), createFlags, context.fileMode);
      try {
        await context.meta.fchmod(descriptor, context.fileMode);
      } catch (error) {
        await context.meta.close(descriptor);
        await context.io.unlink(entryPath(chain!.last, name)).catch(() => {});
        throw error;
      }
      return { chain: chain!, temporary: name, descriptor };
    } catch (error) {
      activeTemporaries.delete(name);
      await chain?.close();
      // A concurrent delete or cleanup removed an empty directory on the way: make it again.
      if (errorCode(error) === "ENOENT" && attempt < 10) continue;
      throw error;
    }
  }
}

/**
 * Publishes a written temporary file under the key, honouring the put's
 * condition (also how a copy publishes its target).
 */
export async function commit(
  context: DriverContext,
  chain: DirectoryChain,
  temporary: string,
  location: KeyLocation,
  key: string,
  options: Pick<DriverPutOptions, "ifNotExists" | "ifMatch" | "signal">,
): Promise<void> {
  const directory = chain.last;
  const from = entryPath(directory, temporary);
  const to = entryPath(directory, location.fileName);
  try {
    if (options.ifNotExists) {
      try {
        await context.io.link(from, to);
      } catch (error) {
        if (errorCode(error) === "EEXIST") throw new StorageError("AlreadyExists", `${key} already exists`);
        throw error;
      }
      await context.io.unlink(from);
    } else if (options.ifMatch !== undefined) {
      const release = await acquireKeyLock(entryPath(directory, lockPrefix + location.fileName), options.signal, `of ${key}`);
      try {
        const current = await readInfoIn(context, directory, location.fileName);
        if (current === null || current.info.etag !== options.ifMatch) {
          throw new StorageError("PreconditionFailed", `${key} does not have etag ${options.ifMatch}`);
        }
        await context.io.rename(from, to);
      } finally {
        await release();
      }
    } else {
      await context.io.rename(from, to);
    }
  } finally {
    activeTemporaries.delete(temporary);
  }
  if (context.durable) await syncDirectory(directory);
}

/** Writes every byte of `buffers` from `position` on (writev until done). */
export async function writeAll(write: Writer, buffers: Uint8Array[], position: number): Promise<void> {
  let pending = buffers.filter((buffer) => buffer.byteLength > 0);
  while (pending.length > 0) {
    const bytesWritten = await write(pending, position);
    position += bytesWritten;
    let skip = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const buffer of pending) {
      if (skip >= buffer.byteLength) {
        skip -= buffer.byteLength;
        continue;
      }
      rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
      skip = 0;
    }
    pending = rest;
  }
}

/** Bounds on a streamed body (a staged part's): its most bytes, and a signal that stops the read. */
export interface StreamBounds {
  maxBytes?: number;
  /** The error thrown as soon as the body passes `maxBytes`. */
  tooLong?: () => Error;
  /** Cancels the body when it fires: the read ends early (the caller checks the signal). */
  signal?: AbortSignal;
}

/**
 * Streams a body after its header (also a staged part's after its token)
 * and returns its size. At most one batch is being written while the next
 * is read, so memory stays at about two batches and a slow disk slows the
 * reader (backpressure).
 */
export async function writeStream(write: Writer, header: Uint8Array, body: ReadableStream<Uint8Array>, bounds: StreamBounds = {}): Promise<number> {
  const reader = body.getReader();
  const { maxBytes, signal } = bounds;
  const stop = () => reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", stop, { once: true });
  if (signal?.aborted) stop();
  let size = 0;
  let position = 0;
  let batch: Uint8Array[] = [header];
  let batchBytes = header.byteLength;
  let inflight: Promise<void> | undefined;
  const flush = async () => {
    if (inflight !== undefined) await inflight;
    const buffers = batch;
    const at = position;
    position += batchBytes;
    batch = [];
    batchBytes = 0;
    inflight = writeAll(write, buffers, at);
    inflight.catch(() => {});
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (maxBytes !== undefined && size > maxBytes) throw bounds.tooLong?.() ?? new RangeError(`The body is longer than ${maxBytes} bytes`);
      batch.push(value);
      batchBytes += value.byteLength;
      if (batchBytes >= writeBatchBytes) await flush();
    }
    await flush();
    await inflight;
  } catch (error) {
    reader.cancel(error).catch(() => {});
    if (inflight !== undefined) await inflight.catch(() => {});
    throw error;
  } finally {
    signal?.removeEventListener("abort", stop);
    reader.releaseLock();
  }
  return size;
}
