import { randomBytes } from "node:crypto";
import { StorageError } from "@stowage/core";
import { threadPoolCalls as io } from "./fs-calls.js";
import { errorCode } from "./map-fs-error.js";
import { temporaryName } from "./owner-tag.js";
import { entryPath, type RootDirectory } from "./root-directory.js";
import type { SegmentEncoding } from "./segment-name.js";
import { createFlags, readFlags } from "./open-flags.js";

/** The file in root that records how the root names its files. */
export const layoutFileName = "%layout.json";

interface LayoutFile {
  layout: "stowage-fs";
  version: 1;
  encoding: SegmentEncoding;
}

/**
 * The encoding of the root: the one recorded in `%layout.json`, or for a
 * new root the requested one ("auto": probed), recorded for next time.
 *
 * The record is written whole into a temporary file first, then linked to
 * its name with link(2), which fails if the name exists: of any number of
 * drivers and processes starting on a fresh root at once, one records its
 * choice and the others read it, and none ever sees a partial file.
 */
export async function resolveLayout(root: RootDirectory, requested: "auto" | SegmentEncoding, fileMode: number, durable: boolean): Promise<SegmentEncoding> {
  const path = entryPath(root, layoutFileName);
  for (;;) {
    const recorded = await readLayout(path, root.display);
    if (recorded !== undefined) {
      if (requested !== "auto" && requested !== recorded) {
        throw new StorageError("InvalidArgument", `fs: ${root.display} uses the "${recorded}" encoding, not "${requested}"`);
      }
      return recorded;
    }
    let encoding: SegmentEncoding;
    try {
      encoding = requested === "auto" ? ((await namesAreExact(root, fileMode)) ? "bytes" : "portable") : requested;
      const layout: LayoutFile = { layout: "stowage-fs", version: 1, encoding };
      if (await publishWhole(root, path, `${JSON.stringify(layout)}\n`, fileMode, durable)) return encoding;
      // Another driver recorded it first: use theirs.
    } catch (error) {
      const code = errorCode(error);
      // A root we may only read: nothing can be written, so nothing needs recording.
      if (code === "EROFS" || code === "EACCES" || code === "EPERM") return requested === "auto" ? "bytes" : requested;
      throw error;
    }
  }
}

/** Writes `text` to a temporary file and links it to `path`; false when `path` already exists. */
async function publishWhole(root: RootDirectory, path: string, text: string, fileMode: number, durable: boolean): Promise<boolean> {
  const temporary = entryPath(root, temporaryName());
  const descriptor = await io.open(temporary, createFlags, fileMode);
  try {
    try {
      await io.fchmod(descriptor, fileMode);
      const bytes = Buffer.from(text);
      let written = 0;
      while (written < bytes.byteLength) written += await io.writev(descriptor, [bytes.subarray(written)], written);
      if (durable) await io.fsync(descriptor);
    } finally {
      await io.close(descriptor);
    }
    try {
      await io.link(temporary, path);
      return true;
    } catch (error) {
      if (errorCode(error) === "EEXIST") return false;
      throw error;
    }
  } finally {
    await io.unlink(temporary).catch(() => {});
  }
}

async function readLayout(path: string, display: string): Promise<SegmentEncoding | undefined> {
  let text: string;
  try {
    text = await readText(path);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
  let parsed: Partial<LayoutFile>;
  try {
    parsed = JSON.parse(text) as Partial<LayoutFile>;
  } catch {
    parsed = {};
  }
  if (parsed.encoding !== "bytes" && parsed.encoding !== "portable") {
    throw new StorageError("InvalidArgument", `fs: ${display}/${layoutFileName} is not a Stowage layout file`);
  }
  return parsed.encoding;
}

/** A small file's text, read without following a link at its name. */
async function readText(path: string): Promise<string> {
  const descriptor = await io.open(path, readFlags);
  try {
    const buffer = Buffer.alloc(4096);
    let length = 0;
    for (;;) {
      const got = await io.read(descriptor, buffer, length, buffer.byteLength - length, length);
      if (got === 0 || (length += got) === buffer.byteLength) break;
    }
    return buffer.toString("utf8", 0, length);
  } finally {
    await io.close(descriptor).catch(() => {});
  }
}

/**
 * True when the file system under `root` keeps names byte-exact: a name
 * differing only in case, or only in Unicode normalization, is another file.
 */
async function namesAreExact(root: RootDirectory, fileMode: number): Promise<boolean> {
  const nonce = randomBytes(6).toString("hex");
  const pairs: Array<[string, string]> = [
    [`%probe-${nonce}-case-a`, `%probe-${nonce}-case-A`],
    [`%probe-${nonce}-nf-\u00e9`, `%probe-${nonce}-nf-e\u0301`],
  ];
  for (const [written, other] of pairs) {
    const path = entryPath(root, written);
    await io.close(await io.open(path, createFlags, fileMode));
    try {
      await io.lstat(entryPath(root, other));
      return false;
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
    } finally {
      await io.unlink(path).catch(() => {});
    }
  }
  return true;
}
