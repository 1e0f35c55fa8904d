import { randomBytes } from "node:crypto";
import { lstat, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { StorageError } from "@stowage/core";
import { errorCode } from "./map-fs-error.js";
import type { SegmentEncoding } from "./segment-name.js";

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
 */
export async function resolveLayout(root: string, requested: "auto" | SegmentEncoding): Promise<SegmentEncoding> {
  const path = join(root, layoutFileName);
  for (;;) {
    const recorded = await readLayout(path);
    if (recorded !== undefined) {
      if (requested !== "auto" && requested !== recorded) {
        throw new StorageError("InvalidArgument", `fs: ${root} uses the "${recorded}" encoding, not "${requested}"`);
      }
      return recorded;
    }
    let encoding: SegmentEncoding;
    try {
      encoding = requested === "auto" ? ((await namesAreExact(root)) ? "bytes" : "portable") : requested;
      const layout: LayoutFile = { layout: "stowage-fs", version: 1, encoding };
      await writeFile(path, `${JSON.stringify(layout)}\n`, { flag: "wx" });
      return encoding;
    } catch (error) {
      const code = errorCode(error);
      // A root we may only read: nothing can be written, so nothing needs recording.
      if (code === "EROFS" || code === "EACCES" || code === "EPERM") return requested === "auto" ? "bytes" : requested;
      // Another process recorded it first: use theirs.
      if (code !== "EEXIST") throw error;
    }
  }
}

async function readLayout(path: string): Promise<SegmentEncoding | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
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
    throw new StorageError("InvalidArgument", `fs: ${path} is not a Stowage layout file`);
  }
  return parsed.encoding;
}

/**
 * True when the file system under `root` keeps names byte-exact: a name
 * differing only in case, or only in Unicode normalization, is another file.
 */
async function namesAreExact(root: string): Promise<boolean> {
  const nonce = randomBytes(6).toString("hex");
  const pairs: Array<[string, string]> = [
    [`%probe-${nonce}-case-a`, `%probe-${nonce}-case-A`],
    [`%probe-${nonce}-nf-\u00e9`, `%probe-${nonce}-nf-e\u0301`],
  ];
  for (const [written, other] of pairs) {
    const path = join(root, written);
    await writeFile(path, "", { flag: "wx" });
    try {
      await lstat(join(root, other));
      return false;
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
    } finally {
      await unlink(path).catch(() => {});
    }
  }
  return true;
}
