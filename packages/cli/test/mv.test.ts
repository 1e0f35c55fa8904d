import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import type { Storage } from "@stowage/core";
import { openTestStorage, realS3Targets, runCli, runCliInProcess, seed, tempFileUrl, uniquePrefix } from "./cli-harness.ts";

const racingDriver = new URL("./mv-racing-driver.mjs", import.meta.url).pathname;

async function text(storage: Storage, key: string): Promise<string | null> {
  const object = await storage.get(key);
  return object === null ? null : new Response(object.body).text();
}

describe("stowage mv", () => {
  const first = tempFileUrl();
  const second = tempFileUrl();
  let source: Storage;
  let target: Storage;
  beforeEach(async () => {
    source = await openTestStorage(first.url);
    target = await openTestStorage(second.url);
    await source.deletePrefix("", { all: true });
    await target.deletePrefix("", { all: true });
    await seed(source, { "a.txt": { body: "alpha", contentType: "text/plain", metadata: { who: "ada" } }, "docs/b.md": "beta" });
  });
  afterAll(() => {
    rmSync(first.dir, { recursive: true, force: true });
    rmSync(second.dir, { recursive: true, force: true });
  });

  it("within one storage: renames, keeping type and metadata", async () => {
    const result = await runCli(["mv", `${first.url}#a.txt`, `${first.url}#renamed/a.txt`]);
    expect(result).toEqual({ code: 0, stdout: "moved a.txt -> renamed/a.txt\n", stderr: "" });
    expect(await source.head("a.txt")).toBeNull();
    expect(await text(source, "renamed/a.txt")).toBe("alpha");
    expect(await source.head("renamed/a.txt")).toMatchObject({ contentType: "text/plain", metadata: { who: "ada" } });
  });

  it("a target ending in / keeps the source's name; --json prints the new ObjectInfo", async () => {
    const result = await runCli(["mv", "--json", `${first.url}#docs/b.md`, `${second.url}#archive/`]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ from: "docs/b.md", to: { key: "archive/b.md", size: 4 } });
    expect(await source.head("docs/b.md")).toBeNull();
    expect(await text(target, "archive/b.md")).toBe("beta");
  });

  it("across storages: copies (type and metadata kept) and deletes the source", async () => {
    const result = await runCli(["mv", `${first.url}#a.txt`, `${second.url}#a.txt`]);
    expect(result).toEqual({ code: 0, stdout: "moved a.txt -> a.txt\n", stderr: "" });
    expect(await source.head("a.txt")).toBeNull();
    expect(await target.head("a.txt")).toMatchObject({ size: 5, contentType: "text/plain", metadata: { who: "ada" } });
  });

  it("across storages: a write to the source during the move is not lost (PreconditionFailed, exit 1)", async () => {
    const result = await runCli(["mv", `module:${racingDriver}#doc.txt`, `${second.url}#doc.txt`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^stowage: PreconditionFailed: doc\.txt changed while it was moved: it was copied to doc\.txt as it was \(etag .*\) and the newer source was kept\n$/);
    expect(await text(target, "doc.txt")).toBe("original");
    // In process, the racing module's store can be read back: the newer version is still there.
    const inProcess = await runCliInProcess(["mv", `module:${racingDriver}#doc.txt`, `${second.url}#again.txt`]);
    expect(inProcess.code).toBe(1);
    const { stores } = (await import("./mv-racing-driver.mjs")) as { stores: Storage[] };
    expect(await text(stores.at(-1)!, "doc.txt")).toBe("written during the move");
  });

  it("across storages without a concurrent write the module source is moved", async () => {
    const result = await runCli(["mv", `module:${racingDriver}#doc.txt`, `${second.url}#doc.txt`], { env: { RACE: "off" } });
    expect(result).toEqual({ code: 0, stdout: "moved doc.txt -> doc.txt\n", stderr: "" });
    expect(await target.head("doc.txt")).toMatchObject({ contentType: "text/plain", metadata: { rev: "1" } });
  });

  it("a missing source is NotFound; a local path is a usage error", async () => {
    expect(await runCli(["mv", `${first.url}#nope`, `${second.url}#nope`])).toMatchObject({ code: 1, stderr: "stowage: NotFound: nope does not exist\n" });
    const local = await runCli(["mv", "./a.txt", `${second.url}#a.txt`]);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/^stowage: Usage: mv works on storage locations/);
  });
});

for (const { label, target: server } of realS3Targets()) {
  describe.skipIf(server === null)(`stowage mv with ${label}`, () => {
    const prefix = uniquePrefix("mv");
    const local = tempFileUrl();
    let storage: Storage;
    afterAll(async () => {
      await storage?.deletePrefix(prefix);
      rmSync(local.dir, { recursive: true, force: true });
    });

    it("from file: into the bucket; out of it, refused (no conditional delete on the S3 profile), nothing copied", async () => {
      storage = await openTestStorage(server!.url, server!.env);
      const fs = await openTestStorage(local.url);
      await seed(fs, { "a.json": { body: "{}", contentType: "application/json", metadata: { k: "v" } } });
      const into = await runCli(["mv", `${local.url}#a.json`, `${server!.url}#${prefix}a.json`], { env: server!.env });
      expect(into).toEqual({ code: 0, stdout: `moved a.json -> ${prefix}a.json\n`, stderr: "" });
      expect(await fs.head("a.json")).toBeNull();
      expect(await storage.head(`${prefix}a.json`)).toMatchObject({ contentType: "application/json", metadata: { k: "v" } });
      expect(await text(storage, `${prefix}a.json`)).toBe("{}");
      const inBucket = await runCli(["mv", `${server!.url}#${prefix}a.json`, `${server!.url}#${prefix}b.json`], { env: server!.env });
      expect(inBucket.code).toBe(1);
      expect(inBucket.stderr).toMatch(/^stowage: Unsupported: .*move.*deleteIfMatch/);
      const out = await runCli(["mv", `${server!.url}#${prefix}a.json`, `${local.url}#a.json`], { env: server!.env });
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/^stowage: Unsupported: mv across storages deletes the source only at the etag copied, and s3:\/\/.* cannot delete conditionally; use stowage cp, then stowage rm\n$/);
      expect(await fs.head("a.json")).toBeNull();
      expect(await storage.head(`${prefix}b.json`)).toBeNull();
      expect(await text(storage, `${prefix}a.json`)).toBe("{}");
    });
  });
}
