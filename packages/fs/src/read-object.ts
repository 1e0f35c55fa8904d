import { StorageError, type DriverGetOptions, type DriverGetResult, type DriverOperationOptions, type ObjectInfo } from "@stowage/core";
import { descriptorReader, type PositionalReader } from "./descriptor-io.js";
import { locateKey, throwIfAborted, type DriverContext, type KeyLocation } from "./driver-context.js";
import { fileBodyStream } from "./file-body-stream.js";
import { readFlags } from "./open-flags.js";
import { errorCode, mapFsError } from "./map-fs-error.js";
import type { ParsedHeader } from "./object-header.js";
import { readObjectStart, uninitializedBytes, type ObjectStart } from "./read-object-start.js";
import { entryPath, type DirectoryRef } from "./root-directory.js";

/** Bytes read first through the thread pool: the header, and the whole body of a small object. */
const firstReadBytes = 64 * 1024;
/** Bytes read first by a blocking read (kept short: it holds the event loop), or when only the header is wanted. */
export const headReadBytes = 4096;
/** Bodies up to this size are returned as bytes; larger ones stream. */
const wholeReadLimit = 1024 * 1024;

/**
 * Opens the object file `name` inside `directory` for reading: its
 * descriptor, or null when there is no such file. A symbolic link there is
 * refused with `PermissionDenied`.
 */
export async function openObjectIn(context: DriverContext, directory: DirectoryRef, name: string): Promise<number | null> {
  try {
    return await context.meta.open(entryPath(directory, name), readFlags);
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    if (code === "ELOOP") {
      throw new StorageError("PermissionDenied", `fs: ${name} in ${context.root.display} is a symbolic link; refusing to follow it`, { cause: error });
    }
    throw error;
  }
}

/** Opens a key's object file, resolving its directories from the root (see `RootDirectory.openChain`). */
export async function openObject(context: DriverContext, location: KeyLocation): Promise<number | null> {
  const chain = await context.root.openChain(location.directoryNames, context.meta);
  if (chain === null) return null;
  try {
    return await openObjectIn(context, chain.last, location.fileName);
  } finally {
    await chain.close();
  }
}

/** The parsed header of the object file `name` in `directory`, or null. */
export async function readInfoIn(context: DriverContext, directory: DirectoryRef, name: string): Promise<ParsedHeader | null> {
  const descriptor = await openObjectIn(context, directory, name);
  return descriptor === null ? null : readAndClose(context, descriptor);
}

/** The parsed header of a key's object file, or null. */
export async function readInfo(context: DriverContext, location: KeyLocation): Promise<ParsedHeader | null> {
  const descriptor = await openObject(context, location);
  return descriptor === null ? null : readAndClose(context, descriptor);
}

async function readAndClose(context: DriverContext, descriptor: number): Promise<ParsedHeader | null> {
  try {
    return (await readObjectStart(context.meta, descriptor, headReadBytes))?.parsed ?? null;
  } finally {
    await closeQuietly(context, descriptor);
  }
}

async function closeQuietly(context: DriverContext, descriptor: number): Promise<void> {
  try {
    await context.meta.close(descriptor);
  } catch {
    // already unusable
  }
}

export async function headObject(context: DriverContext, key: string, options: DriverOperationOptions): Promise<ObjectInfo | null> {
  try {
    throwIfAborted(options.signal, "head");
    const current = await readInfo(context, locateKey(context.codec, key));
    if (current === null) return null;
    current.info.key = key;
    return current.info;
  } catch (error) {
    throw mapFsError(error, `head ${key}`);
  }
}

/**
 * Reads an object: the header first (with up to 4 KiB of body in blocking
 * mode, 64 KiB otherwise), then the rest of a small body into one array,
 * or a stream of positional reads for a large one.
 */
export async function getObject(context: DriverContext, key: string, options: DriverGetOptions): Promise<DriverGetResult | null> {
  let reader: PositionalReader | null = null;
  let handedOver = false;
  try {
    throwIfAborted(options.signal, "get");
    const descriptor = await openObject(context, locateKey(context.codec, key));
    if (descriptor === null) return null;
    reader = descriptorReader(descriptor, (opened) => context.meta.close(opened));
    const want = context.blocking || options.range !== undefined ? headReadBytes : firstReadBytes;
    const first: ObjectStart | null = await readObjectStart(context.meta, descriptor, want);
    if (first === null) return null;
    const { parsed, buffer, bytesRead } = first;
    const info = parsed.info;
    info.key = key;
    if (options.ifMatch !== undefined && options.ifMatch !== info.etag) {
      throw new StorageError("PreconditionFailed", `${key} does not have etag ${options.ifMatch}`);
    }
    if (options.ifNoneMatch !== undefined && options.ifNoneMatch === info.etag) {
      throw new StorageError("NotModified", `${key} still has etag ${info.etag}`);
    }
    const size = info.size;
    let start = 0;
    let end = size;
    if (options.range !== undefined) {
      if ("suffix" in options.range) {
        if (size === 0) throw new StorageError("RangeNotSatisfiable", `${key} is empty`);
        start = Math.max(0, size - options.range.suffix);
      } else {
        start = options.range.offset;
        if (start >= size) throw new StorageError("RangeNotSatisfiable", `offset ${start} is not below the size ${size}`);
        if (options.range.length !== undefined) end = Math.min(size, start + options.range.length);
      }
    }
    const length = end - start;
    const filePosition = parsed.dataOffset + start;
    // The part of the wanted bytes that the first read already holds.
    const initial = buffer.subarray(Math.min(filePosition, bytesRead), Math.min(filePosition + length, bytesRead));
    let body: ReadableStream<Uint8Array> | Uint8Array;
    if (length <= wholeReadLimit) {
      const bytes = uninitializedBytes(length);
      bytes.set(initial, 0);
      let filled = initial.byteLength;
      while (filled < length) {
        const { bytesRead: got } = await reader.read(bytes, filled, length - filled, filePosition + filled);
        if (got === 0) throw new StorageError("Unavailable", `fs: the file of ${key} is shorter than its header says`);
        filled += got;
      }
      body = bytes;
    } else {
      body = fileBodyStream(reader, filePosition, length, initial.byteLength > 0 ? initial.slice() : undefined, options.signal);
      handedOver = true;
    }
    const result: DriverGetResult = { info, body };
    if (options.range !== undefined) result.range = { offset: start, length };
    return result;
  } catch (error) {
    throw mapFsError(error, `get ${key}`);
  } finally {
    if (reader !== null && !handedOver) await reader.close().catch(() => {});
  }
}
