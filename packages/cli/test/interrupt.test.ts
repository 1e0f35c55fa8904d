import { spawn } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createStorage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { cliPath, runCliInProcess } from "./cli-harness.ts";
import { awsSdk, cliS3Server, rawClient, runPrefix } from "./cp-servers.ts";

const work = mkdtempSync(join(tmpdir(), "stowage-cli-interrupt-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A stdin that sends 64 KiB chunks until it is destroyed: a copy that never ends by itself. */
function endlessStdin(onChunk: (sent: number) => void): Readable {
  let sent = 0;
  return new Readable({
    read() {
      sent += 65_536;
      onChunk(sent);
      setTimeout(() => this.push(Buffer.alloc(65_536, 7)), 1);
    },
  });
}

describe("Ctrl-C during stowage cp", () => {
  it("on fs: an interrupted upload from stdin exits 130 and leaves no object", async () => {
    const dir = join(work, "fs");
    mkdirSync(dir, { recursive: true });
    const controller = new AbortController();
    const stdin = endlessStdin((sent) => {
      if (sent === 2 * 1024 * 1024) controller.abort(new Error("SIGINT"));
    });
    const result = await runCliInProcess(["cp", "-", "file:./store#stream.bin"], { cwd: dir, stdin, signal: controller.signal });
    expect(result.stderr).toBe("stowage: interrupted\n");
    expect(result.code).toBe(130);
    const storage = createStorage(fsDriver({ root: join(dir, "store") }));
    expect(await storage.head("stream.bin")).toBeNull();
    expect((await storage.list()).objects).toEqual([]);
  });

  it("on a download: an interrupted copy to a local file leaves no file and no temporary file", async () => {
    const dir = join(work, "download");
    mkdirSync(dir, { recursive: true });
    const driver = "module:./test/interrupt-stalling-driver.mjs";
    const cwd = fileURLToPath(new URL("..", import.meta.url));
    writeFileSync(join(dir, "source.bin"), Buffer.alloc(256 * 1024, 1));
    expect((await runCliInProcess(["cp", join(dir, "source.bin"), `${driver}#stall/big.bin`], { cwd })).code).toBe(0);
    const controller = new AbortController();
    (globalThis as { onStowageStall?: () => void }).onStowageStall = () => controller.abort(new Error("SIGINT"));
    try {
      const result = await runCliInProcess(["cp", `${driver}#stall/big.bin`, join(dir, "out", "big.bin")], { cwd, signal: controller.signal });
      expect(result.stderr).toBe("stowage: interrupted\n");
      expect(result.code).toBe(130);
    } finally {
      delete (globalThis as { onStowageStall?: () => void }).onStowageStall;
    }
    expect(controller.signal.aborted).toBe(true);
    expect(readdirSync(join(dir, "out"))).toEqual([]);
  });

  const rgw = cliS3Server("Ceph RGW");
  it.skipIf(rgw === undefined)("on Ceph RGW: SIGINT mid-upload exits 130, aborts the multipart upload and leaves no object", { timeout: 120_000 }, async () => {
    const server = rgw!;
    const { ListMultipartUploadsCommand, HeadObjectCommand } = awsSdk();
    const client = rawClient(server);
    const dir = join(work, "rgw");
    mkdirSync(dir, { recursive: true });
    // 192 MiB: 24 parts of 8 MiB, several seconds on loopback, written without holding it in memory.
    const file = join(dir, "large.bin");
    const fd = openSync(file, "w");
    const chunk = Buffer.alloc(8 * 1024 * 1024, 0x5a);
    for (let i = 0; i < 24; i++) writeSync(fd, chunk);
    closeSync(fd);
    const key = `${runPrefix("sigint")}large.bin`;
    const child = spawn(process.execPath, [cliPath, "cp", "large.bin", `${server.url}#${key}`], {
      cwd: dir,
      env: Object.fromEntries(Object.entries({ ...process.env, ...server.env }).filter(([, value]) => value !== undefined)) as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const openUploads = async () =>
      (await client.send(new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: key }))).Uploads?.filter((upload) => upload.Key === key) ?? [];
    // Wait until the multipart upload is open (parts are on their way), then press Ctrl-C.
    const deadline = Date.now() + 30_000;
    while ((await openUploads()).length === 0) {
      if (Date.now() > deadline) throw new Error(`the upload never started: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toContain("stowage: interrupted");
    expect(await openUploads()).toEqual([]);
    await expect(client.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    expect(readdirSync(dir)).toEqual(["large.bin"]);
  });
});
