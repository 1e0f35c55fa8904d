import { randomBytes } from "node:crypto";
import { StorageError, type DriverPutBody, type DriverUploadPartOptions, type UploadedPart } from "@stowage/core";
import { throwIfAborted, type DriverContext } from "./driver-context.js";
import { errorCode, mapFsError } from "./map-fs-error.js";
import { createFlags, readFlags } from "./open-flags.js";
import { temporaryName } from "./owner-tag.js";
import { entryPath, syncDirectory, type DirectoryRef } from "./root-directory.js";
import { notFound, openUpload, partName, partNumberOf, partTokenBytes, stillStaged } from "./upload-staging.js";
import { activeTemporaries, writeAll, writeStream, type Writer } from "./write-object.js";

/** The highest part number (S3's). */
export const maxPartNumber = 10_000;

/**
 * Stages part `partNumber` of an upload: its token and body go to a
 * temporary file in the upload's directory, renamed to `part-<n>` only once
 * whole (and, with `size`, exactly that long), so a body that errors or
 * aborts leaves no partial part and an earlier upload of the part intact.
 * A crash leaves only the temporary file, which cleanup removes.
 */
export async function uploadPart(
  context: DriverContext,
  key: string,
  uploadId: string,
  partNumber: number,
  body: DriverPutBody,
  options: DriverUploadPartOptions,
): Promise<{ etag: string; size: number }> {
  if (!Number.isSafeInteger(partNumber) || partNumber < 1 || partNumber > maxPartNumber) {
    throw new StorageError("InvalidArgument", `partNumber must be a whole number from 1 to ${maxPartNumber} (got ${String(partNumber)})`, { key });
  }
  throwIfAborted(options.signal, "uploadPart");
  const upload = await openUpload(context, key, uploadId);
  const directory = upload.chain.last;
  const temporary = temporaryName();
  activeTemporaries.add(temporary);
  let staged = false;
  let descriptor: number | undefined;
  try {
    descriptor = await context.meta.open(entryPath(directory, temporary), createFlags, context.fileMode);
    await context.meta.fchmod(descriptor, context.fileMode);
    const opened = descriptor;
    const write: Writer = (buffers, position) => context.io.writev(opened, buffers, position);
    const token = randomBytes(partTokenBytes);
    let size: number;
    if (body instanceof Uint8Array) {
      size = body.byteLength;
      checkSize(key, size, options.size);
      await writeAll(write, [token, body], 0);
    } else {
      size = await writeStream(write, token, body, {
        ...(options.size === undefined ? {} : { maxBytes: options.size }),
        tooLong: () => new StorageError("InvalidArgument", `The part has more than the ${options.size} bytes it must have`, { key }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      // A signal that fired ended the read early: Aborted, not a short part.
      throwIfAborted(options.signal, "uploadPart");
      checkSize(key, size, options.size);
    }
    if (context.durable) await context.io.fsync(opened);
    descriptor = undefined;
    await context.meta.close(opened);
    throwIfAborted(options.signal, "uploadPart");
    await context.io.rename(entryPath(directory, temporary), entryPath(directory, partName(partNumber)));
    staged = true;
    if (context.durable) await syncDirectory(directory);
    // Aborted or completed while the body was read: the part went into a discarded directory.
    if (!(await stillStaged(context, upload))) throw notFound(key, uploadId);
    return { etag: token.toString("hex"), size };
  } catch (error) {
    if (options.signal?.aborted && !(error instanceof StorageError)) {
      throw new StorageError("Aborted", "The uploadPart was aborted", { cause: options.signal.reason, key });
    }
    // The body's own error passes through as it is; file-system errors are mapped.
    if (errorCode(error) === undefined && !(error instanceof StorageError)) throw error;
    throw mapFsError(error, `uploadPart ${partNumber} of ${key}`);
  } finally {
    if (descriptor !== undefined) await Promise.resolve(context.meta.close(descriptor)).catch(() => {});
    if (!staged) await context.io.unlink(entryPath(directory, temporary)).catch(() => {});
    activeTemporaries.delete(temporary);
    await upload.chain.close();
  }
}

function checkSize(key: string, size: number, expected: number | undefined): void {
  if (expected !== undefined && size !== expected) {
    throw new StorageError("InvalidArgument", `The part has ${size} bytes but must have ${expected}`, { key });
  }
}

/** The parts staged so far, ascending. */
export async function listUploadParts(context: DriverContext, key: string, uploadId: string): Promise<UploadedPart[]> {
  const upload = await openUpload(context, key, uploadId);
  try {
    const parts: UploadedPart[] = [];
    for (const entry of await context.io.readdir(upload.chain.last.path)) {
      const partNumber = partNumberOf(entry.name);
      if (partNumber === undefined) continue;
      const part = await readPart(context, upload.chain.last, partNumber);
      if (part !== undefined) parts.push(part);
    }
    // Completed or aborted meanwhile (its files removed under us): gone, not empty.
    if (!(await stillStaged(context, upload))) throw notFound(key, uploadId);
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  } catch (error) {
    throw mapFsError(error, `listUploadParts of ${key}`);
  } finally {
    await upload.chain.close();
  }
}

/** A staged part's etag and size; undefined when it is not there. */
async function readPart(context: DriverContext, directory: DirectoryRef, partNumber: number): Promise<UploadedPart | undefined> {
  const opened = await openPart(context, directory, partNumber);
  if (opened === undefined) return undefined;
  await context.meta.close(opened.descriptor);
  return { partNumber, size: opened.size, etag: opened.etag };
}

/** A staged part opened for reading: its descriptor, etag and body size (the body starts at {@link partTokenBytes}). */
export interface OpenedPart {
  descriptor: number;
  etag: string;
  size: number;
}

/** Opens a staged part; undefined when it was never uploaded. */
export async function openPart(context: DriverContext, directory: DirectoryRef, partNumber: number): Promise<OpenedPart | undefined> {
  let descriptor: number;
  try {
    descriptor = await context.meta.open(entryPath(directory, partName(partNumber)), readFlags);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
  try {
    const token = Buffer.alloc(partTokenBytes);
    let length = 0;
    while (length < partTokenBytes) {
      const got = await context.meta.read(descriptor, token, length, partTokenBytes - length, length);
      if (got === 0) break;
      length += got;
    }
    const stats = await context.meta.fstat(descriptor);
    if (length < partTokenBytes) throw new StorageError("Unknown", `fs: staged part ${partNumber} is truncated`);
    return { descriptor, etag: token.toString("hex"), size: stats.size - partTokenBytes };
  } catch (error) {
    await Promise.resolve(context.meta.close(descriptor)).catch(() => {});
    throw error;
  }
}
