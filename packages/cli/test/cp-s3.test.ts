import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createStorage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { runCli } from "./cli-harness.ts";
import { cliS3Server, runPrefix, type CliS3Server } from "./cp-servers.ts";

const work = mkdtempSync(join(tmpdir(), "stowage-cli-cp-s3-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function scratch(name: string): string {
  const dir = join(work, `${name}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const servers = [cliS3Server("Ceph RGW"), cliS3Server("OpenStack Swift")];

function listFiles(root: string, prefix = ""): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
    const name = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    return entry.isDirectory() ? listFiles(root, name) : [name];
  });
}

for (const [index, server] of servers.entries()) {
  const label = server?.label ?? ["Ceph RGW", "OpenStack Swift"][index];
  describe.skipIf(server === undefined)(`stowage cp on ${label} (the built binary)`, () => {
    const s3 = server as CliS3Server;
    const run = (args: string[], cwd: string) => runCli(args, { cwd, env: s3.env });

    it("round-trips a 20 MiB file (a multipart upload) and a text file with cp and cat", { timeout: 120_000 }, async () => {
      const dir = scratch("round-trip");
      const prefix = runPrefix("round-trip");
      const big = randomBytes(20 * 1024 * 1024);
      writeFileSync(join(dir, "big.bin"), big);
      writeFileSync(join(dir, "hello.txt"), "hello, S3\n");
      const up = await run(["cp", "big.bin", `${s3.url}#${prefix}`], dir);
      expect(up.stdout).toContain(`#${prefix}big.bin (20971520 bytes)`);
      expect(up.code).toBe(0);
      expect((await run(["cp", `${s3.url}#${prefix}big.bin`, "back.bin"], dir)).code).toBe(0);
      expect(readFileSync(join(dir, "back.bin")).equals(big)).toBe(true);
      expect((await run(["cp", "hello.txt", `${s3.url}#${prefix}hello.txt`], dir)).code).toBe(0);
      const cat = await run(["cat", `${s3.url}#${prefix}hello.txt`], dir);
      expect(cat).toMatchObject({ code: 0, stdout: "hello, S3\n" });
      const stat = await run(["stat", "--json", `${s3.url}#${prefix}hello.txt`], dir);
      expect(JSON.parse(stat.stdout)).toMatchObject({ size: 10, contentType: "text/plain; charset=utf-8" });
      await run(["rm", "-r", "--yes", `${s3.url}#${prefix}`], dir);
    });

    it("cp -r copies 500 files fs -> S3 -> fs, byte for byte", { timeout: 180_000 }, async () => {
      const dir = scratch("five-hundred");
      const prefix = runPrefix("tree");
      const files = new Map<string, Buffer>();
      for (let i = 0; i < 500; i++) {
        const name = `d${i % 7}/file-${String(i).padStart(3, "0")}.bin`;
        const bytes = randomBytes(i % 50 === 0 ? 0 : 1 + ((i * 977) % 6000));
        files.set(name, bytes);
        mkdirSync(join(dir, "src", `d${i % 7}`), { recursive: true });
        writeFileSync(join(dir, "src", name), bytes);
      }
      const up = await run(["cp", "-r", "src", `${s3.url}#${prefix}`], dir);
      expect(up.stderr.replace(/\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*?trace-warnings \.\.\.` to show where the warning was created\)\n/g, "")).toBe("");
      expect(up.code).toBe(0);
      expect(up.stdout.trim().split("\n").filter((line) => line.startsWith("copied src/"))).toHaveLength(500);
      expect(up.stdout).toMatch(/^copied 500 files, \d+ bytes in \d+\.\d+ s$/m);
      const down = await run(["cp", "-r", "--concurrency", "16", `${s3.url}#${prefix}`, "back"], dir);
      expect(down.code).toBe(0);
      expect(listFiles(join(dir, "back")).sort()).toEqual([...files.keys()].sort());
      for (const [name, bytes] of files) expect(readFileSync(join(dir, "back", name)).equals(bytes), name).toBe(true);
      await run(["rm", "-r", "--yes", `${s3.url}#${prefix}`], dir);
    });

    it("keeps content type, content-* fields and metadata across providers (fs -> S3 -> S3 -> fs)", { timeout: 60_000 }, async () => {
      const dir = scratch("metadata");
      const prefix = runPrefix("metadata");
      const fields = {
        contentType: "application/x-report",
        cacheControl: "max-age=60",
        contentDisposition: "attachment",
        metadata: { owner: "finance", quarter: "q3" },
      };
      await createStorage(fsDriver({ root: join(dir, "a") })).put("report.bin", "quarterly figures", fields);
      expect((await run(["cp", "file:./a#report.bin", `${s3.url}#${prefix}report.bin`], dir)).code).toBe(0);
      const stat = await run(["stat", "--json", `${s3.url}#${prefix}report.bin`], dir);
      expect(JSON.parse(stat.stdout)).toMatchObject({ size: 17, ...fields });
      // Within one storage: storage.copy (server-side).
      expect((await run(["cp", `${s3.url}#${prefix}report.bin`, `${s3.url}#${prefix}copy/`], dir)).code).toBe(0);
      expect((await run(["cp", `${s3.url}#${prefix}copy/report.bin`, "file:./b#report.bin"], dir)).code).toBe(0);
      const back = await createStorage(fsDriver({ root: join(dir, "b") })).get("report.bin");
      expect(back).toMatchObject({ size: 17, ...fields });
      expect(await back!.text()).toBe("quarterly figures");
      await run(["rm", "-r", "--yes", `${s3.url}#${prefix}`], dir);
    });
  });
}
