import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createStorage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { runCli, runCliInProcess } from "./cli-harness.ts";

const work = mkdtempSync(join(tmpdir(), "stowage-cli-cp-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fresh directory under the test's scratch space. */
function scratch(name: string): string {
  const dir = join(work, `${name}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Writes a small tree: a.txt, b.json, sub/c.bin, sub/deeper/d (sorted walk order). */
function writeTree(root: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {
    "a.txt": Buffer.from("alpha\n"),
    "b.json": Buffer.from('{"b":1}'),
    "sub/c.bin": randomBytes(70_000),
    "sub/deeper/d": Buffer.alloc(0),
  };
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), bytes);
  }
  return files;
}

/** Every file under a directory, as relative path -> bytes. */
function readTree(root: string, prefix = ""): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const name = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) Object.assign(out, readTree(root, name));
    else out[name] = readFileSync(join(root, name));
  }
  return out;
}

/** Output with the run's times made stable. */
function normalise(text: string): string {
  return text.replace(/in \d+\.\d+ s/g, "in <t> s").replace(/"seconds":[0-9.e-]+/g, '"seconds":<t>');
}

describe("stowage cp on fs (the built binary)", () => {
  it("copies a file into a storage and back, byte for byte, with its content type from the extension", async () => {
    const dir = scratch("single");
    const bytes = randomBytes(300_000);
    writeFileSync(join(dir, "photo.png"), bytes);
    const up = await runCli(["cp", "photo.png", "file:./store#pics/"], { cwd: dir });
    expect(up.stderr).toBe("");
    expect(up.stdout).toBe("copied photo.png -> file:./store#pics/photo.png (300000 bytes)\n");
    expect(up.code).toBe(0);
    const stat = await runCli(["stat", "--json", "file:./store#pics/photo.png"], { cwd: dir });
    expect(JSON.parse(stat.stdout)).toMatchObject({ key: "pics/photo.png", size: 300_000, contentType: "image/png" });
    const down = await runCli(["cp", "file:./store#pics/photo.png", "back.png"], { cwd: dir });
    expect(down.code).toBe(0);
    expect(readFileSync(join(dir, "back.png")).equals(bytes)).toBe(true);
    // Into an existing directory: the object's name is kept; no temporary file is left beside it.
    mkdirSync(join(dir, "into"));
    expect((await runCli(["cp", "file:./store#pics/photo.png", "into"], { cwd: dir })).code).toBe(0);
    expect(readdirSync(join(dir, "into"))).toEqual(["photo.png"]);
  });

  it("cat prints what cp stored, and `-` reads stdin and writes stdout", async () => {
    const dir = scratch("stdio");
    const stored = await runCli(["cp", "-", "file:./store#notes/today.md"], { cwd: dir, input: "# hello\nfrom stdin\n" });
    expect(stored.code).toBe(0);
    expect(stored.stdout).toBe("copied - -> file:./store#notes/today.md (19 bytes)\n");
    expect((await runCli(["cat", "file:./store#notes/today.md"], { cwd: dir })).stdout).toBe("# hello\nfrom stdin\n");
    const out = await runCli(["cp", "file:./store#notes/today.md", "-"], { cwd: dir });
    expect(out).toMatchObject({ code: 0, stdout: "# hello\nfrom stdin\n", stderr: "" });
    const stat = await runCli(["stat", "--json", "file:./store#notes/today.md"], { cwd: dir });
    expect(JSON.parse(stat.stdout).contentType).toBe("text/markdown; charset=utf-8");
  });

  it("cp -r copies a tree to a prefix and back, byte for byte, printing a line per file and a summary", async () => {
    const dir = scratch("tree");
    const files = writeTree(join(dir, "src"));
    const up = await runCli(["cp", "-r", "--concurrency", "1", "src", "file:./store#backup/2024"], { cwd: dir });
    expect(up.code).toBe(0);
    expect(normalise(up.stdout)).toMatchInlineSnapshot(`
      "copied src/a.txt -> file:./store#backup/2024/a.txt (6 bytes)
      copied src/b.json -> file:./store#backup/2024/b.json (7 bytes)
      copied src/sub/c.bin -> file:./store#backup/2024/sub/c.bin (70000 bytes)
      copied src/sub/deeper/d -> file:./store#backup/2024/sub/deeper/d (0 bytes)
      copied 4 files, 70013 bytes in <t> s
      "
    `);
    const down = await runCli(["cp", "-r", "file:./store#backup/2024", "restored"], { cwd: dir });
    expect(down.code).toBe(0);
    expect(readTree(join(dir, "restored"))).toEqual(files);
    // A prefix is a "directory": backup/2024 does not pick up backup/2024-old.
    await runCli(["cp", "src/a.txt", "file:./store#backup/2024-old/a.txt"], { cwd: dir });
    const again = await runCli(["cp", "-r", "--json", "file:./store#backup/2024", "again"], { cwd: dir });
    const events = again.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.filter((event) => event.event === "copied")).toHaveLength(4);
    expect(normalise(JSON.stringify(events.at(-1)))).toBe('{"event":"summary","files":4,"failed":0,"bytes":70013,"seconds":<t>,"interrupted":false}');
  });

  it("--json prints one JSON object per file and a summary", async () => {
    const dir = scratch("json");
    writeTree(join(dir, "src"));
    const result = await runCli(["cp", "-r", "--json", "--concurrency", "1", "src", "file:./store"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(normalise(result.stdout)).toMatchInlineSnapshot(`
      "{"event":"copied","source":"src/a.txt","target":"file:./store#a.txt","bytes":6}
      {"event":"copied","source":"src/b.json","target":"file:./store#b.json","bytes":7}
      {"event":"copied","source":"src/sub/c.bin","target":"file:./store#sub/c.bin","bytes":70000}
      {"event":"copied","source":"src/sub/deeper/d","target":"file:./store#sub/deeper/d","bytes":0}
      {"event":"summary","files":4,"failed":0,"bytes":70013,"seconds":<t>,"interrupted":false}
      "
    `);
  });

  it("cp -r goes on past a file that fails, reports it on stderr and exits 1", async () => {
    const dir = scratch("partial");
    const files = writeTree(join(dir, "src"));
    expect((await runCli(["cp", "-r", "src", "file:./store#t/"], { cwd: dir })).code).toBe(0);
    // A directory where b.json should go: that one download cannot be renamed into place.
    mkdirSync(join(dir, "out", "b.json", "blocker"), { recursive: true });
    const result = await runCli(["cp", "-r", "--concurrency", "1", "file:./store#t/", "out"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^stowage: Error: file:\.\/store#t\/b\.json: .+\n$/);
    expect(normalise(result.stdout).split("\n").at(-2)).toBe("copied 3 files, 1 failed, 70006 bytes in <t> s");
    const copied = readTree(join(dir, "out"));
    expect(copied["a.txt"]!.equals(files["a.txt"]!)).toBe(true);
    expect(copied["sub/c.bin"]!.equals(files["sub/c.bin"]!)).toBe(true);
    expect(readdirSync(join(dir, "out")).sort()).toEqual(["a.txt", "b.json", "sub"]);
    expect(readdirSync(join(dir, "out", "b.json"))).toEqual(["blocker"]);
  });

  it("refuses what it cannot do with a usage error (exit 2) and a missing object with NotFound (exit 1)", async () => {
    const dir = scratch("usage");
    writeTree(join(dir, "src"));
    const cases: [string[], number, RegExp][] = [
      [["cp", "src/a.txt"], 2, /^stowage: Usage: cp takes SRC and DST/],
      [["cp", "src", "file:./store"], 2, /is a directory \(use cp -r\)/],
      [["cp", "src/a.txt", "elsewhere.txt"], 2, /at least one of SRC and DST must be one/],
      [["cp", "-r", "--concurrency", "0", "src", "file:./store"], 2, /--concurrency must be a whole number/],
      [["cp", "file:./store#", "x"], 2, /names no object/],
      [["cp", "file:./store#nothing/here", "x"], 1, /^stowage: NotFound: /],
    ];
    for (const [args, code, message] of cases) {
      const result = await runCli(args, { cwd: dir });
      expect(result.stderr).toMatch(message);
      expect(result.code).toBe(code);
    }
  });
});

describe("stowage cp on memory (in process: memory:// lives as long as the process)", () => {
  it("round-trips a file and keeps content type and metadata across providers (fs -> memory -> fs)", async () => {
    const dir = scratch("memory");
    const bytes = randomBytes(50_000);
    writeFileSync(join(dir, "data.csv"), bytes);
    const up = await runCliInProcess(["cp", "data.csv", "memory://#cp-test/data.csv"], { cwd: dir });
    expect(up).toMatchObject({ code: 0, stderr: "" });
    const cat = await runCliInProcess(["cat", "memory://#cp-test/data.csv"], { cwd: dir });
    expect(cat.stdoutBytes.equals(bytes)).toBe(true);

    const source = createStorage(fsDriver({ root: join(dir, "a") }));
    await source.put("report.bin", "quarterly", {
      contentType: "application/x-report",
      cacheControl: "max-age=60",
      contentDisposition: "attachment",
      metadata: { owner: "finance", quarter: "q3" },
    });
    expect((await runCliInProcess(["cp", "file:./a#report.bin", "memory://#cp-test/report.bin"], { cwd: dir })).code).toBe(0);
    expect((await runCliInProcess(["cp", "memory://#cp-test/report.bin", "file:./b#copied/report.bin"], { cwd: dir })).code).toBe(0);
    const copied = await createStorage(fsDriver({ root: join(dir, "b") })).head("copied/report.bin");
    expect(copied).toMatchObject({
      size: 9,
      contentType: "application/x-report",
      cacheControl: "max-age=60",
      contentDisposition: "attachment",
      metadata: { owner: "finance", quarter: "q3" },
    });
  });
});
