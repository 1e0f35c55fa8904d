import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh empty directory under the OS temp dir. */
export async function tempRoot(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `stowage-fs-${label}-`));
}

export async function removeRoot(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
}

/** Every path under `root` (relative) whose name marks a temporary file or lock. */
export async function leftoverFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith("%tmp-") || entry.name.startsWith("%lock-")) {
      found.push(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name).slice(root.length + 1));
    }
  }
  return found.sort();
}

/** The names in a directory, without the root's layout file (`%layout.json`). */
export async function namesIn(directory: string): Promise<string[]> {
  return (await readdir(directory)).filter((name) => name !== "%layout.json");
}
