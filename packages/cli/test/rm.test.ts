import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { PassThrough } from "node:stream";
import type { Storage } from "@stowage/core";
import { openTestStorage, realS3Targets, runCli, runCliInProcess, seed, tempFileUrl, uniquePrefix } from "./cli-harness.ts";

async function keys(storage: Storage, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const info of storage.listAll(prefix === "" ? {} : { prefix })) found.push(info.key);
  return found;
}

describe("stowage rm on file:", () => {
  const { dir, url } = tempFileUrl();
  let storage: Storage;
  beforeEach(async () => {
    storage = await openTestStorage(url);
    await storage.deletePrefix("", { all: true });
    await seed(storage, { "a.txt": "a", "b.txt": "b", "logs/1": "1", "logs/2": "2", "logs/old/3": "3", "logsbook": "x" });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("deletes the keys given, one line each; a missing key succeeds", async () => {
    const result = await runCli(["rm", `${url}#a.txt`, `${url}#b.txt`, `${url}#never`]);
    expect(result).toEqual({ code: 0, stdout: "deleted a.txt\ndeleted b.txt\ndeleted never\n", stderr: "" });
    expect(await keys(storage)).toEqual(["logs/1", "logs/2", "logs/old/3", "logsbook"]);
  });

  it("without -r a location needs a key (exit 2, nothing deleted)", async () => {
    const result = await runCli(["rm", url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`stowage: Usage: rm needs a key: ${url}#path/to/key\n`);
    expect(await keys(storage)).toHaveLength(6);
  });

  it("-r off a terminal without --yes refuses (exit 2, nothing deleted)", async () => {
    const result = await runCli(["rm", "-r", `${url}#logs/`], { input: "y\n" });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `stowage: Usage: rm -r deletes every object under "logs/" in ${url}: pass --yes to confirm (stdin is not a terminal, so there is no prompt)\n`,
    );
    expect(await keys(storage)).toHaveLength(6);
  });

  it("-r --yes deletes everything under the prefix only", async () => {
    const result = await runCli(["rm", "-r", "--yes", `${url}#logs/`]);
    expect(result).toEqual({ code: 0, stdout: 'deleted 3 objects under "logs/"\n', stderr: "" });
    expect(await keys(storage)).toEqual(["a.txt", "b.txt", "logsbook"]);
  });

  it("-r --yes --json on the bare URL deletes every object", async () => {
    const result = await runCli(["rm", "-r", "-y", "--json", url]);
    expect(JSON.parse(result.stdout)).toEqual({ prefix: "", deleted: 6 });
    expect(await keys(storage)).toEqual([]);
  });

  it("on a terminal, -r asks and deletes only on yes", async () => {
    const no = await runCliInProcess(["rm", "-r", `${url}#logs/`], { tty: true, input: "n\n" });
    expect(no).toMatchObject({ code: 1, stdout: "" });
    expect(no.stderr).toBe(`Delete every object under "logs/" in ${url}? [y/N] stowage: nothing deleted\n`);
    expect(await keys(storage, "logs/")).toHaveLength(3);
    const stdin = new PassThrough();
    const running = runCliInProcess(["rm", "-r", `${url}#logs/`], { tty: true, stdin });
    setTimeout(() => stdin.write("yes\n"), 50);
    const yes = await running;
    expect(yes).toMatchObject({ code: 0, stdout: 'deleted 3 objects under "logs/"\n' });
    expect(await keys(storage)).toEqual(["a.txt", "b.txt", "logsbook"]);
  });
});

for (const { label, target } of realS3Targets()) {
  describe.skipIf(target === null)(`stowage rm on ${label}`, () => {
    const prefix = uniquePrefix("rm");
    let storage: Storage;
    afterAll(async () => {
      await storage?.deletePrefix(prefix);
    });

    it("rm a key and rm -r --yes a prefix", async () => {
      storage = await openTestStorage(target!.url, target!.env);
      await seed(storage, { [`${prefix}keep`]: "k", [`${prefix}one`]: "1", [`${prefix}dir/a`]: "a", [`${prefix}dir/b`]: "b" });
      const one = await runCli(["rm", target!.url.replace("?", `/${prefix}one?`)], { env: target!.env });
      expect(one).toMatchObject({ code: 0, stdout: `deleted ${prefix}one\n` });
      const dir = await runCli(["rm", "-r", "--yes", `${target!.url}#${prefix}dir/`], { env: target!.env });
      expect(dir).toMatchObject({ code: 0, stdout: `deleted 2 objects under "${prefix}dir/"\n` });
      expect(await keys(storage, prefix)).toEqual([`${prefix}keep`]);
    });
  });
}
