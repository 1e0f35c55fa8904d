import { lstat, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createStorage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { removeRoot, tempRoot } from "./temp-root.js";

/** The one object file under `root` (not the layout file). */
async function objectFile(root: string): Promise<string> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && entry.name !== "%layout.json")
    .map((entry) => join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name));
  expect(files).toHaveLength(1);
  return files[0]!;
}

// A listing remembers each listed object's header; these check that what it
// lists is always what is on disk now, whoever changed the file and how.
describe.each([true, false])("listing with the header cache (blocking: %s)", (blocking) => {
  let root: string;
  beforeEach(async () => {
    root = await tempRoot("list-cache");
  });
  afterEach(() => removeRoot(root));

  const metadataOf = async (storage: ReturnType<typeof createStorage>) =>
    (await storage.list({ prefix: "" })).objects.map((object) => [object.key, object.metadata.v, object.contentType]);

  it("sees an object another driver replaced", async () => {
    const lister = createStorage(fsDriver({ root, blocking }));
    await lister.put("dir/key", "same", { metadata: { v: "1" }, contentType: "text/one" });
    // Made once the root is set up (two drivers starting at once on a new root is startup-race.test.ts's business).
    const writer = createStorage(fsDriver({ root, blocking }));
    expect(await metadataOf(lister)).toEqual([["dir/key", "1", "text/one"]]);
    expect(await metadataOf(lister)).toEqual([["dir/key", "1", "text/one"]]);
    await writer.put("dir/key", "same", { metadata: { v: "2" }, contentType: "text/two" });
    expect(await metadataOf(lister)).toEqual([["dir/key", "2", "text/two"]]);
  });

  it("sees an object rewritten in place (same inode, same size)", async () => {
    const lister = createStorage(fsDriver({ root, blocking }));
    await lister.put("dir/key", "same", { metadata: { v: "1" } });
    expect(await metadataOf(lister)).toEqual([["dir/key", "1", expect.any(String)]]);
    const file = await objectFile(root);
    const before = await lstat(file);
    const bytes = await readFile(file);
    const at = bytes.indexOf('"v":"1"');
    expect(at).toBeGreaterThan(0);
    bytes.write('"v":"7"', at, "utf8");
    // Rewrite until the file's times differ from what was cached (coarse clocks).
    let after = before;
    while (after.mtimeMs === before.mtimeMs && after.ctimeMs === before.ctimeMs) {
      await writeFile(file, bytes);
      after = await lstat(file);
    }
    expect([after.ino, after.size]).toEqual([before.ino, before.size]);
    expect(await metadataOf(lister)).toEqual([["dir/key", "7", expect.any(String)]]);
  });

  it("drops an object removed behind its back, and lists it again once restored", async () => {
    const lister = createStorage(fsDriver({ root, blocking }));
    await lister.put("dir/key", "same", { metadata: { v: "1" } });
    await lister.put("dir/other", "x");
    expect((await metadataOf(lister)).map(([key]) => key)).toEqual(["dir/key", "dir/other"]);
    const other = createStorage(fsDriver({ root, blocking }));
    await other.delete("dir/key");
    expect((await metadataOf(lister)).map(([key]) => key)).toEqual(["dir/other"]);
    await other.put("dir/key", "same", { metadata: { v: "3" } });
    expect(await metadataOf(lister)).toEqual([
      ["dir/key", "3", expect.any(String)],
      ["dir/other", undefined, expect.any(String)],
    ]);
  });

  it("skips a cached object replaced by a file that is not an object", async () => {
    const lister = createStorage(fsDriver({ root, blocking }));
    await lister.put("dir/key", "same");
    expect((await metadataOf(lister)).map(([key]) => key)).toEqual(["dir/key"]);
    const file = await objectFile(root);
    await rm(file);
    await writeFile(file, "not an object header, just bytes");
    expect(await metadataOf(lister)).toEqual([]);
  });
});
