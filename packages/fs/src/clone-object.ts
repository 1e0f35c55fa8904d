import { constants, type Stats } from "node:fs";
import { putObjectInfo, StorageError, type DriverObjectFields, type ObjectInfo } from "@stowage/core";
import { throwIfAborted, type DriverContext, type KeyLocation } from "./driver-context.js";
import { errorCode } from "./map-fs-error.js";
import { buildHeader, headerBytesNeeded, sealHeader, type HeaderFields, type ParsedHeader } from "./object-header.js";
import { createFlags } from "./open-flags.js";
import { temporaryName } from "./owner-tag.js";
import { headReadBytes, openObjectIn } from "./read-object.js";
import { readObjectStart } from "./read-object-start.js";
import { entryPath, type DirectoryChain, type DirectoryRef } from "./root-directory.js";
import { newVersionToken } from "./version-token.js";
import { activeTemporaries, writeAll } from "./write-object.js";
import { copyBodyStreamed } from "./stream-copy.js";

/** Opening the clone to rewrite its header: never through a link at the name. */
const rewriteFlags = constants.O_RDWR | (constants.O_NOFOLLOW ?? 0);
/** Clone or copy in the kernel; never over an existing name (a link planted at the temporary name is refused too). */
const cloneMode = constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE;

/** A source object held open: every later step reads this very file, whatever happens to its name. */
export interface OpenedSource {
  /** Its descriptor (read-only); close it with {@link closeSource}. */
  readonly descriptor: number;
  readonly parsed: ParsedHeader;
  readonly stats: Stats;
  /** The path to clone from: the open file itself (`/proc/<pid>/fd/<n>`), or its name in the `"path"` confinement. */
  readonly path: string;
  /** True when `path` names the open file itself (else the clone is checked after it is made). */
  readonly pinned: boolean;
}

/**
 * The source was replaced between opening it and cloning it by name (the
 * `"path"` confinement only): the clone is not of the file checked. Retry.
 */
export class SourceChanged extends Error {
  /** Retryable (`Unavailable`) if it persists. */
  readonly code = "EBUSY";
}

/**
 * Opens the object file `name` in `directory` and reads its header. Null
 * when there is no object there. With `ifMatch`, rejects with
 * `PreconditionFailed` unless this very file has that etag.
 */
export async function openSource(
  context: DriverContext,
  directory: DirectoryRef,
  name: string,
  key: string,
  ifMatch: string | undefined,
): Promise<OpenedSource | null> {
  const descriptor = await openObjectIn(context, directory, name);
  if (descriptor === null) return null;
  try {
    const stats = await context.meta.fstat(descriptor);
    const start = stats.isFile() ? await readObjectStart(context.meta, descriptor, headReadBytes) : null;
    if (start === null) {
      await closeSource(context, descriptor);
      return null;
    }
    const { parsed } = start;
    if (ifMatch !== undefined && parsed.info.etag !== ifMatch) {
      throw new StorageError("PreconditionFailed", `${key} has etag ${parsed.info.etag}, not ${ifMatch}`);
    }
    if (stats.size < parsed.dataOffset + parsed.info.size) {
      throw new StorageError("Unavailable", `fs: the file of ${key} is shorter than its header says`);
    }
    const pinnedPath = context.root.openFilePath(descriptor);
    return { descriptor, parsed, stats, path: pinnedPath ?? entryPath(directory, name), pinned: pinnedPath !== undefined };
  } catch (error) {
    await closeSource(context, descriptor);
    throw error;
  }
}

export async function closeSource(context: DriverContext, descriptor: number): Promise<void> {
  try {
    await context.meta.close(descriptor);
  } catch {
    // already unusable
  }
}

/** A finished temporary file holding the target, in the target's directory (held open until published). */
export interface PreparedTarget {
  readonly chain: DirectoryChain;
  readonly temporary: string;
  readonly info: ObjectInfo;
  /** True when the body was cloned in the kernel (false: copied through this process in chunks). */
  readonly cloned: boolean;
}

/** The fields the target gets: `replace`, or the source's. */
export function targetFields(source: ObjectInfo, key: string, replace: DriverObjectFields | undefined): HeaderFields {
  const from = replace ?? source;
  const fields: HeaderFields = { key, contentType: from.contentType, metadata: { ...from.metadata } };
  if (from.cacheControl !== undefined) fields.cacheControl = from.cacheControl;
  if (from.contentDisposition !== undefined) fields.contentDisposition = from.contentDisposition;
  if (from.contentEncoding !== undefined) fields.contentEncoding = from.contentEncoding;
  return fields;
}

/**
 * Writes the target of a copy into a temporary file in its directory
 * (created as needed), with a fresh version token and time. When the new
 * header fits in the source's header length (puts leave room for a longer
 * key or more metadata), the whole source file is cloned in the kernel
 * (`copyFile` with `COPYFILE_FICLONE`: a reflink where the file system has
 * one, else copy_file_range) and only the header is rewritten in place,
 * padded to the same length; else the body is copied in bounded chunks
 * after a new header. Publish it with `commit`, or call
 * {@link discardTarget}.
 */
export async function prepareTarget(
  context: DriverContext,
  source: OpenedSource,
  location: KeyLocation,
  fields: HeaderFields,
  signal: AbortSignal | undefined,
): Promise<PreparedTarget> {
  const size = source.parsed.info.size;
  const clone = headerBytesNeeded(fields) <= source.parsed.dataOffset;
  for (let attempt = 0; ; attempt++) {
    const temporary = temporaryName();
    activeTemporaries.add(temporary);
    let chain: DirectoryChain | null = null;
    let descriptor: number | undefined;
    try {
      chain = await context.root.openChain(location.directoryNames, context.meta, { mode: context.directoryMode, sync: context.durable });
      const path = entryPath(chain!.last, temporary);
      let header: Buffer;
      if (clone) {
        await context.io.copyFile(source.path, path, cloneMode);
        descriptor = await context.meta.open(path, rewriteFlags);
        if (!source.pinned) await checkClone(context, descriptor, source);
        header = buildHeader(fields, source.parsed.dataOffset);
      } else {
        descriptor = await context.meta.open(path, createFlags, context.fileMode);
        header = buildHeader(fields);
      }
      await context.meta.fchmod(descriptor, context.fileMode);
      throwIfAborted(signal, "copy");
      const version = newVersionToken();
      const lastModified = Date.now();
      sealHeader(header, size, lastModified, version);
      const opened = descriptor;
      const write = (buffers: Uint8Array[], position: number) => context.io.writev(opened, buffers, position);
      await writeAll(write, [header], 0);
      if (!clone) await copyBodyStreamed(context, source, write, header.byteLength, signal);
      if (context.durable) await context.io.fsync(opened);
      descriptor = undefined;
      await context.meta.close(opened);
      throwIfAborted(signal, "copy");
      const info = putObjectInfo(fields.key, { size, etag: version.toString("hex"), lastModified: new Date(lastModified) }, fields);
      return { chain: chain!, temporary, info, cloned: clone };
    } catch (error) {
      if (descriptor !== undefined) await closeSource(context, descriptor);
      if (chain !== null) {
        await context.io.unlink(entryPath(chain.last, temporary)).catch(() => {});
        await chain.close();
      }
      activeTemporaries.delete(temporary);
      // A concurrent delete or cleanup removed an empty directory on the way: make it again.
      if (errorCode(error) === "ENOENT" && attempt < 10) continue;
      throw error;
    }
  }
}

/** Removes a prepared target that will not be published. */
export async function discardTarget(context: DriverContext, target: PreparedTarget): Promise<void> {
  await context.io.unlink(entryPath(target.chain.last, target.temporary)).catch(() => {});
  activeTemporaries.delete(target.temporary);
  await target.chain.close();
}

/**
 * In the `"path"` confinement the clone was made from the source's name:
 * it must hold the version that was checked (version tokens are unique to
 * each write, and a published file never changes), else {@link SourceChanged}.
 */
async function checkClone(context: DriverContext, descriptor: number, source: OpenedSource): Promise<void> {
  const start = await readObjectStart(context.meta, descriptor, headReadBytes);
  const stats = await context.meta.fstat(descriptor);
  if (start === null || start.parsed.info.etag !== source.parsed.info.etag || stats.size !== source.stats.size) {
    throw new SourceChanged("The source was replaced while it was being cloned");
  }
}
