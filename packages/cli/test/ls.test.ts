import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import type { Storage } from "@stowage/core";
import { normaliseOutput, openTestStorage, realS3Targets, runCli, runCliInProcess, seed, tempFileUrl, uniquePrefix } from "./cli-harness.ts";
import { locationOpener } from "../src/location.ts";

const objects = {
  "a.txt": "hello",
  "photos/cat.jpg": { body: "meow", contentType: "image/jpeg" },
  "photos/2024/dog.jpg": { body: "woof!", contentType: "image/jpeg" },
  "z.txt": "zz",
};

describe("stowage ls on file: (spawned binary)", () => {
  const { dir, url } = tempFileUrl();
  let storage: Storage;
  beforeAll(async () => {
    storage = await openTestStorage(url);
    await seed(storage, objects);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("lists one level: keys and sub-prefixes, in key order", async () => {
    const result = await runCli(["ls", url]);
    expect(result).toEqual({ code: 0, stdout: "a.txt\nphotos/\nz.txt\n", stderr: "" });
  });

  it("lists one level under a prefix", async () => {
    const result = await runCli(["ls", `${url}#photos/`]);
    expect(result.stdout).toBe("photos/2024/\nphotos/cat.jpg\n");
  });

  it("-r lists every key, no prefixes", async () => {
    const result = await runCli(["ls", "-r", url]);
    expect(result.stdout).toBe("a.txt\nphotos/2024/dog.jpg\nphotos/cat.jpg\nz.txt\n");
  });

  it("--long prints time, size and key (PRE for prefixes)", async () => {
    const result = await runCli(["ls", "--long", url]);
    expect(result.code).toBe(0);
    expect(normaliseOutput(result.stdout)).toMatchInlineSnapshot(`
      "<time>             5  a.txt
                                         PRE  photos/
      <time>             2  z.txt
      "
    `);
  });

  it("--json prints one JSON document per line (ObjectInfo or {prefix})", async () => {
    const result = await runCli(["ls", "--json", "-r", `${url}#photos/`]);
    const lines = result.stdout.trimEnd().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.key)).toEqual(["photos/2024/dog.jpg", "photos/cat.jpg"]);
    expect(lines[1]).toMatchObject({ size: 4, contentType: "image/jpeg", metadata: {} });
    expect(typeof lines[1]!.etag).toBe("string");
    expect(new Date(lines[1]!.lastModified as string).getTime()).toBeGreaterThan(0);
    const oneLevel = await runCli(["ls", "--json", url]);
    expect(oneLevel.stdout.split("\n")[1]).toBe('{"prefix":"photos/"}');
  });

  it("the global flags go before or after the command", async () => {
    const result = await runCli(["--json", "ls", url]);
    expect(JSON.parse(result.stdout.split("\n")[0]!)).toMatchObject({ key: "a.txt" });
  });

  it("an empty prefix lists nothing and succeeds", async () => {
    expect(await runCli(["ls", `${url}#nothing-here/`])).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it("relative file: URLs are relative to the working directory", async () => {
    const result = await runCli(["ls", "file:."], { cwd: dir });
    expect(result.stdout).toBe("a.txt\nphotos/\nz.txt\n");
    // In process, the CLI's cwd (io.cwd) is not the process's.
    expect(process.cwd()).not.toBe(dir);
    const inProcess = await runCliInProcess(["ls", "file:./photos/../"], { cwd: dir });
    expect(inProcess).toMatchObject({ code: 0, stdout: "a.txt\nphotos/\nz.txt\n" });
  });
});

describe("stowage ls: errors and exit codes", () => {
  it("a local path is a usage error (exit 2)", async () => {
    const result = await runCli(["ls", "./data"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^stowage: Usage: ls works on storage locations .*"\.\/data"\n$/);
  });

  it("an unknown option is a usage error (exit 2)", async () => {
    const result = await runCli(["ls", "--bogus", "memory://"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^stowage: Usage: Unknown option '--bogus'\. .* \(see stowage ls --help\)\n$/);
  });

  it("r2:// is refused with a pointer to R2's S3 endpoint (exit 1)", async () => {
    const result = await runCli(["ls", "r2://"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^stowage: InvalidArgument: r2:\/\/ needs a Workers R2 binding .*s3:\/\/bucket\?endpoint=https:\/\/<account>\.r2\.cloudflarestorage\.com\n$/);
  });

  it("a storage error is one line with its code; --debug adds the cause chain", async () => {
    const plain = await runCli(["ls", "module:./no-such-driver.mjs"]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe("stowage: InvalidArgument: module:./no-such-driver.mjs could not be imported\n");
    const debug = await runCli(["--debug", "ls", "module:./no-such-driver.mjs"]);
    expect(debug.code).toBe(1);
    const lines = debug.stderr.split("\n");
    expect(lines[0]).toBe("stowage: InvalidArgument: module:./no-such-driver.mjs could not be imported");
    expect(lines[1]).toMatch(/^ {2}caused by: Error: Cannot find module .*no-such-driver\.mjs/);
    expect(lines.slice(2).some((line) => line.trim().startsWith("at "))).toBe(true);
  });

  it("an unknown command is a usage error; --help and --version succeed", async () => {
    const unknown = await runCli(["lss"]);
    expect(unknown).toMatchObject({ code: 2, stderr: 'stowage: Usage: unknown command "lss" (see stowage --help)\n' });
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}ls +list the objects/m);
    const commandHelp = await runCli(["ls", "--help"]);
    expect(commandHelp.stdout).toMatch(/^Usage: stowage ls \[-r\]/m);
    expect((await runCli(["--version"])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe("stowage ls on memory:// (in process: one store per process)", () => {
  it("lists what this process put", async () => {
    const { storage } = (await locationOpener({ env: process.env, cwd: process.cwd() })("memory://")) as { storage: Storage };
    await seed(storage, { "ls-mem/a": "1", "ls-mem/b/c": "2" });
    const result = await runCliInProcess(["ls", "memory://#ls-mem/"]);
    expect(result).toMatchObject({ code: 0, stdout: "ls-mem/a\nls-mem/b/\n", stderr: "" });
  });
});

for (const { label, target } of realS3Targets()) {
  describe.skipIf(target === null)(`stowage ls on ${label}`, () => {
    const prefix = uniquePrefix("ls");
    let storage: Storage;
    beforeAll(async () => {
      storage = await openTestStorage(target!.url, target!.env);
      await seed(storage, Object.fromEntries(Object.entries(objects).map(([key, value]) => [`${prefix}${key}`, value])));
    });
    afterAll(async () => {
      await storage?.deletePrefix(prefix);
    });

    it("one level, -r, and the path-as-key form", async () => {
      const oneLevel = await runCli(["ls", `${target!.url}#${prefix}`], { env: target!.env });
      expect(oneLevel).toMatchObject({ code: 0, stderr: "" });
      expect(oneLevel.stdout).toBe([`${prefix}a.txt`, `${prefix}photos/`, `${prefix}z.txt`, ""].join("\n"));
      const pathStyle = target!.url.replace("?", `/${prefix}photos/?`);
      const recursive = await runCli(["ls", "-r", pathStyle], { env: target!.env });
      expect(recursive.stdout).toBe([`${prefix}photos/2024/dog.jpg`, `${prefix}photos/cat.jpg`, ""].join("\n"));
    });
  });
}
