import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { dirname, join, basename } from "node:path";
import { randomBytes } from "node:crypto";
import { StorageError, copyBetween, type ObjectInfo, type Storage } from "@stowage/core";
import type { TransferItem } from "./transfer-plan.js";
import { guessContentType } from "./transfer-content-type.js";

/** Where a copy reads stdin from and writes stdout to, and how it reports bytes. */
export interface CopyIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  signal: AbortSignal;
  /** Called with each chunk's byte count as it reaches the target. */
  onBytes(bytes: number): void;
  /** Called once the source's size is known (a get answered). */
  onSize(bytes: number): void;
}

/** Reads a local file in chunks of this size: fewer, larger chunks for multi-MiB parts. */
const fileChunkSize = 1024 * 1024;

/**
 * Files up to this size are read whole and put as bytes (at most
 * `--concurrency` of them in memory at once): a stream per small file cost
 * more CPU than the request itself in `cp -r` of many small files.
 */
export const wholeFileLimit = 1024 * 1024;

/** Passes chunks through, counting them; returning early (a cancelled put) closes the source. */
async function* counted(source: AsyncIterable<unknown>, onBytes: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : (chunk as Uint8Array);
    onBytes(bytes.byteLength);
    yield bytes;
  }
}

function aborted(signal: AbortSignal): StorageError {
  return new StorageError("Aborted", "The copy was interrupted", { cause: signal.reason });
}

/** Writes a web stream to a Node stream, waiting for drain, without ending it (stdout stays open). */
async function writeAll(body: ReadableStream<Uint8Array>, out: NodeJS.WritableStream, io: CopyIo): Promise<void> {
  const reader = body.getReader();
  const onAbort = () => void reader.cancel(aborted(io.signal)).catch(() => {});
  io.signal.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      // A read pending when the abort cancelled the stream resolves as done: that is no end.
      if (io.signal.aborted) throw aborted(io.signal);
      if (done) break;
      io.onBytes(value.byteLength);
      if (!out.write(value)) await new Promise<void>((resolve) => out.once("drain", resolve));
    }
  } finally {
    io.signal.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
}

/**
 * Downloads into `path` through a temporary file beside it, renamed into
 * place once complete: an interrupted download leaves no partial file.
 */
async function writeFileAtomically(body: ReadableStream<Uint8Array>, size: number, path: string, io: CopyIo): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.stowage-${randomBytes(6).toString("hex")}.part`);
  const file = createWriteStream(temporary, { flags: "wx" });
  const closed = new Promise<void>((resolve, reject) => {
    file.once("close", resolve);
    file.once("error", reject);
  });
  let written = 0;
  try {
    await writeAll(body, file, { ...io, onBytes: (bytes) => ((written += bytes), io.onBytes(bytes)) });
    if (written !== size) throw new StorageError("Unknown", `The body ended after ${written} of ${size} bytes`);
    file.end();
    await closed;
    await rename(temporary, path);
  } catch (error) {
    if (!body.locked) await body.cancel(error).catch(() => {});
    file.destroy();
    await closed.catch(() => {});
    await rm(temporary, { force: true });
    throw error;
  }
}

async function getObject(storage: Storage, key: string, io: CopyIo) {
  const object = await storage.get(key, { signal: io.signal });
  if (object === null) throw new StorageError("NotFound", `${key} does not exist`, { key, operation: "get" });
  io.onSize(object.size);
  return object;
}

/** Copies one item, streaming (never the whole body in memory); resolves to the bytes copied. */
export async function copyItem(item: TransferItem, io: CopyIo): Promise<number> {
  const { source, target, signal } = { ...item, signal: io.signal };
  let copied = 0;
  const count = (bytes: number) => {
    copied += bytes;
    io.onBytes(bytes);
  };
  const counting: CopyIo = { ...io, onBytes: count };
  if (target.kind === "object") {
    let info: ObjectInfo;
    if (source.kind === "object") {
      let reported = 0;
      let sized = false;
      info = await copyBetween(source.storage, source.key, target.storage, target.key, {
        signal,
        onProgress: ({ bytes, total }) => {
          if (!sized) io.onSize(total);
          sized = true;
          count(bytes - reported);
          reported = bytes;
        },
      });
      if (!sized) io.onSize(info.size);
      if (reported < info.size) count(info.size - reported);
      return info.size;
    }
    if (source.kind === "file" && item.size !== undefined && item.size <= wholeFileLimit) {
      const bytes = await readFile(source.path, { signal });
      info = await target.storage.put(target.key, bytes, { contentType: guessContentType(source.path), signal, size: item.size });
      count(bytes.byteLength);
      return info.size;
    }
    const body = source.kind === "file" ? createReadStream(source.path, { highWaterMark: fileChunkSize }) : io.stdin;
    const options = {
      contentType: guessContentType(source.kind === "file" ? source.path : target.key),
      signal,
      ...(item.size === undefined ? {} : { size: item.size }),
    };
    try {
      info = await target.storage.put(target.key, counted(body, count), options);
    } finally {
      if (source.kind === "file") (body as ReturnType<typeof createReadStream>).destroy();
    }
    return info.size;
  }
  if (source.kind !== "object") throw new StorageError("InvalidArgument", "cp copies to or from a storage");
  const object = await getObject(source.storage, source.key, counting);
  if (target.kind === "stdio") await writeAll(object.body, io.stdout, counting);
  else await writeFileAtomically(object.body, object.size, target.path, counting);
  return copied;
}
