import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driverBundle, runChild } from "./child-bundle.js";
import { removeRoot, tempRoot } from "./temp-root.js";

/** The permission bits of every file and directory from `top` down (top included), by relative path. */
async function modesUnder(top: string): Promise<Map<string, { kind: string; mode: number }>> {
  const found = new Map<string, { kind: string; mode: number }>();
  const visit = async (path: string, relative: string) => {
    const stats = await lstat(path);
    found.set(relative, { kind: stats.isDirectory() ? "directory" : stats.isFile() ? "file" : "other", mode: stats.mode & 0o7777 });
    if (stats.isDirectory()) for (const name of await readdir(path)) await visit(join(path, name), relative === "" ? name : `${relative}/${name}`);
  };
  await visit(top, "");
  return found;
}

describe("file and directory modes do not depend on the umask", () => {
  let base: string;
  beforeAll(async () => {
    base = await tempRoot("modes");
    await driverBundle();
  }, 60_000);
  afterAll(() => removeRoot(base));

  const cases = [
    { label: "defaults under umask 000", umask: 0o000, options: {}, file: 0o600, directory: 0o700 },
    { label: "defaults under umask 022", umask: 0o022, options: {}, file: 0o600, directory: 0o700 },
    { label: "0o640/0o750 under a restrictive umask 077", umask: 0o077, options: { fileMode: 0o640, directoryMode: 0o750 }, file: 0o640, directory: 0o750 },
    { label: "0o644/0o755 under umask 000", umask: 0o000, options: { fileMode: 0o644, directoryMode: 0o755 }, file: 0o644, directory: 0o755 },
  ];
  for (const [index, { label, umask, options, file, directory }] of cases.entries()) {
    it(`${label}: every file is 0o${file.toString(8)}, every directory (the new root and its parent too) 0o${directory.toString(8)}`, async () => {
      // The root and one parent of it are missing: the driver creates both.
      const created = join(base, `case-${index}`);
      const root = join(created, "root");
      const result = await runChild("umask-worker.mjs", { root, umask, options });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).umask).toBe(umask);
      const modes = await modesUnder(created);
      const files = [...modes].filter(([, entry]) => entry.kind === "file");
      const directories = [...modes].filter(([, entry]) => entry.kind === "directory");
      // %layout.json, a/b/c, a/stream, x/y/z, top
      expect(files.map(([path]) => path).sort()).toEqual(["root/%layout.json", "root/a%/b%/c", "root/a%/stream", "root/top", "root/x%/y%/z"]);
      expect(directories.map(([path]) => path).sort()).toEqual(["", "root", "root/a%", "root/a%/b%", "root/x%", "root/x%/y%"]);
      for (const [path, entry] of files) expect(`${path} 0o${entry.mode.toString(8)}`).toBe(`${path} 0o${file.toString(8)}`);
      for (const [path, entry] of directories) expect(`${path} 0o${entry.mode.toString(8)}`).toBe(`${path} 0o${directory.toString(8)}`);
    });
  }
});
