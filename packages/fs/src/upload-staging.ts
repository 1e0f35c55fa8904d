import { randomBytes } from "node:crypto";
import { StorageError, type DriverObjectFields } from "@stowage/core";
import type { DriverContext } from "./driver-context.js";
import { errorCode } from "./map-fs-error.js";
import { createFlags, readFlags } from "./open-flags.js";
import { temporaryName } from "./owner-tag.js";
import { entryPath, syncDirectory, type DirectoryChain, type DirectoryRef } from "./root-directory.js";
import { activeTemporaries, writeAll } from "./write-object.js";

/**
 * Multipart uploads in progress live in the root's internal directory
 * `%uploads` (a name reserved for the driver: never listed, never a key),
 * one directory per upload named by its id:
 *
 * | name | what |
 * |---|---|
 * | `upload.json` | the manifest: key, the object's fields (fixed at creation), initiated |
 * | `part-<n>` | part n: a 16-byte token (its etag), then its bytes |
 * | `%tmp-…` | a part being written (renamed to `part-<n>` only when whole) |
 * | `%lock-complete` | held while a completion runs (across processes) |
 *
 * An upload exists exactly while its directory holds `upload.json` under
 * its id. Abort and completion take it away with one rename(2) of the
 * directory to a temporary name, then remove what it held.
 */
export const uploadsDirectoryName = "%uploads";
export const manifestName = "upload.json";
export const completionLockName = "%lock-complete";
/** Bytes before a part's body: its random token, the part's etag in hex. */
export const partTokenBytes = 16;

const uploadIdPattern = /^[0-9a-f]{32}$/;
const partNamePattern = /^part-([1-9]\d{0,8})$/;

/** What createUpload fixed, as `upload.json` holds it. */
export interface UploadManifest {
  key: string;
  fields: DriverObjectFields;
  initiated: number;
}

/** An open upload: its directory (and `%uploads`) held open, and its manifest. */
export interface OpenUpload {
  readonly chain: DirectoryChain;
  readonly uploadId: string;
  readonly manifest: UploadManifest;
}

export function partName(partNumber: number): string {
  return `part-${partNumber}`;
}

/** The part number a staged part's file name holds, or undefined. */
export function partNumberOf(name: string): number | undefined {
  const match = partNamePattern.exec(name);
  return match ? Number(match[1]) : undefined;
}

export function isUploadId(name: string): boolean {
  return uploadIdPattern.test(name);
}

export function notFound(key: string, uploadId: string): StorageError {
  return new StorageError("NotFound", `No upload ${uploadId} of ${key} is in progress (never created, completed or aborted)`, { key });
}

/**
 * Creates the upload's directory and writes its manifest (whole, into a
 * temporary file renamed into place); returns the new upload id.
 */
export async function createStagedUpload(context: DriverContext, key: string, fields: DriverObjectFields): Promise<string> {
  const uploadId = randomBytes(16).toString("hex");
  const chain = await context.root.openChain([uploadsDirectoryName, uploadId], context.meta, { mode: context.directoryMode, sync: context.durable });
  try {
    const manifest: UploadManifest = { key, fields, initiated: Date.now() };
    await writeWhole(context, chain!.last, manifestName, Buffer.from(`${JSON.stringify(manifest)}\n`));
  } finally {
    await chain!.close();
  }
  return uploadId;
}

/** Writes `bytes` to a temporary file in `directory`, then renames it to `name`. */
async function writeWhole(context: DriverContext, directory: DirectoryRef, name: string, bytes: Uint8Array): Promise<void> {
  const temporary = temporaryName();
  activeTemporaries.add(temporary);
  try {
    const descriptor = await context.io.open(entryPath(directory, temporary), createFlags, context.fileMode);
    try {
      await context.io.fchmod(descriptor, context.fileMode);
      await writeAll((buffers, position) => context.io.writev(descriptor, buffers, position), [bytes], 0);
      if (context.durable) await context.io.fsync(descriptor);
    } finally {
      await context.io.close(descriptor);
    }
    await context.io.rename(entryPath(directory, temporary), entryPath(directory, name));
    if (context.durable) await syncDirectory(directory);
  } catch (error) {
    await context.io.unlink(entryPath(directory, temporary)).catch(() => {});
    throw error;
  } finally {
    activeTemporaries.delete(temporary);
  }
}

/**
 * Opens upload `uploadId` of `key`: `NotFound` when the id is malformed,
 * the upload is gone (never created, completed, aborted) or belongs to
 * another key. Close `chain` when done.
 */
export async function openUpload(context: DriverContext, key: string, uploadId: string): Promise<OpenUpload> {
  if (typeof uploadId !== "string" || !isUploadId(uploadId)) throw notFound(key, uploadId);
  const chain = await context.root.openChain([uploadsDirectoryName, uploadId], context.meta);
  if (chain === null) throw notFound(key, uploadId);
  try {
    const manifest = await readManifest(context, chain.last);
    if (manifest === undefined || manifest.key !== key) throw notFound(key, uploadId);
    return { chain, uploadId, manifest };
  } catch (error) {
    await chain.close();
    throw error;
  }
}

/** The manifest in an upload directory; undefined when it is missing or unreadable. */
export async function readManifest(context: DriverContext, directory: DirectoryRef): Promise<UploadManifest | undefined> {
  let descriptor: number;
  try {
    descriptor = await context.meta.open(entryPath(directory, manifestName), readFlags);
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
  try {
    const size = (await context.meta.fstat(descriptor)).size;
    const buffer = Buffer.alloc(size);
    let length = 0;
    while (length < size) {
      const got = await context.meta.read(descriptor, buffer, length, size - length, length);
      if (got === 0) break;
      length += got;
    }
    const parsed = JSON.parse(buffer.toString("utf8", 0, length)) as Partial<UploadManifest>;
    if (typeof parsed.key !== "string" || typeof parsed.initiated !== "number" || typeof parsed.fields !== "object" || parsed.fields === null) return undefined;
    return parsed as UploadManifest;
  } catch {
    return undefined;
  } finally {
    await context.meta.close(descriptor);
  }
}

/** True when `%uploads/<uploadId>` still names the directory held open as `upload.chain.last`. */
export async function stillStaged(context: DriverContext, upload: OpenUpload): Promise<boolean> {
  const uploads = upload.chain.levels[1]!;
  const directory = upload.chain.last;
  try {
    const named = await context.io.lstat(entryPath(uploads, upload.uploadId));
    if (directory.descriptor === undefined) return named.isDirectory();
    const held = await context.io.fstat(directory.descriptor);
    return named.ino === held.ino && named.dev === held.dev;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw error;
  }
}

/**
 * Takes upload `uploadId` away in one step (rename(2) of its directory to
 * a temporary name in `%uploads`: from then on it is unknown to every
 * process), then removes what it held. False when it was gone already.
 */
export async function discardUpload(context: DriverContext, uploads: DirectoryRef, uploadId: string): Promise<boolean> {
  const detached = temporaryName();
  try {
    await context.io.rename(entryPath(uploads, uploadId), entryPath(uploads, detached));
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw error;
  }
  if (context.durable) await syncDirectory(uploads);
  await removeDirectory(context, uploads, detached);
  return true;
}

/**
 * Removes a directory of files inside `parent` (never following a link),
 * again while a late writer (a part renamed into a discarded upload) adds
 * a file. Leaves it to cleanup when it keeps changing.
 */
export async function removeDirectory(context: DriverContext, parent: DirectoryRef, name: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const child = await context.root.openChild(parent, name, context.io, "skip").catch(() => "missing" as const);
    if (child === "missing") return;
    if (child === "not-directory") {
      await context.io.unlink(entryPath(parent, name)).catch(() => {});
      return;
    }
    try {
      const entries = await context.io.readdir(child.path).catch(() => []);
      await Promise.all(entries.map((entry) => context.io.unlink(entryPath(child, entry.name)).catch(() => {})));
    } finally {
      await context.root.release(child, context.io);
    }
    try {
      await context.io.rmdir(entryPath(parent, name));
      return;
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT") return;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
    }
  }
}

/** The `%uploads` directory held open, or null when no upload was ever made in this root. */
export async function openUploadsDirectory(context: DriverContext): Promise<DirectoryChain | null> {
  return context.root.openChain([uploadsDirectoryName], context.meta);
}
