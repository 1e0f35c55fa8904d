import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import type { Storage } from "@stowage/core";
import { openTestStorage, realS3Targets, runCli, runCliInProcess, seed, tempFileUrl, uniquePrefix } from "./cli-harness.ts";
import { locationOpener } from "../src/location.ts";

const big = new Uint8Array(randomBytes(3 * 1024 * 1024 + 17));

describe("stowage cat on file: (spawned binary)", () => {
  const { dir, url } = tempFileUrl();
  beforeAll(async () => {
    const storage = await openTestStorage(url);
    await seed(storage, { "hello.txt": "hello, world", "big.bin": big });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the object's bytes to stdout", async () => {
    expect(await runCli(["cat", `${url}#hello.txt`])).toEqual({ code: 0, stdout: "hello, world", stderr: "" });
  });

  it("--range a-b (inclusive), a- and -n", async () => {
    expect((await runCli(["cat", "--range", "0-4", `${url}#hello.txt`])).stdout).toBe("hello");
    expect((await runCli(["cat", "--range", "7-", `${url}#hello.txt`])).stdout).toBe("world");
    expect((await runCli(["cat", "--range=-5", `${url}#hello.txt`])).stdout).toBe("world");
  });

  it("a malformed range is a usage error; one past the end is RangeNotSatisfiable", async () => {
    const malformed = await runCli(["cat", "--range", "4-2", `${url}#hello.txt`]);
    expect(malformed).toEqual({ code: 2, stdout: "", stderr: "stowage: Usage: --range 4-2: the end comes before the start\n" });
    const words = await runCli(["cat", "--range", "bytes", `${url}#hello.txt`]);
    expect(words.code).toBe(2);
    const past = await runCli(["cat", "--range", "100-200", `${url}#hello.txt`]);
    expect(past.code).toBe(1);
    expect(past.stderr).toMatch(/^stowage: RangeNotSatisfiable: /);
  });

  it("streams a large object byte for byte", async () => {
    const result = await runCliInProcess(["cat", `${url}#big.bin`]);
    expect(result.code).toBe(0);
    expect(result.stdoutBytes.equals(Buffer.from(big))).toBe(true);
  });

  it("a missing object is NotFound (exit 1)", async () => {
    expect(await runCli(["cat", `${url}#missing`])).toEqual({ code: 1, stdout: "", stderr: "stowage: NotFound: missing does not exist\n" });
  });

  it("a closed pipe ends the run quietly", async () => {
    // `stowage cat big | head -c 10`
    const { spawn } = await import("node:child_process");
    const { cliPath } = await import("./cli-harness.ts");
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn("bash", ["-c", `"${process.execPath}" "${cliPath}" cat "${url}#big.bin" | head -c 10 >/dev/null; exit \${PIPESTATUS[0]}`], { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("close", (status) => {
        expect(stderr).toBe("");
        resolve(status);
      });
    });
    expect(code).toBe(0);
  });
});

describe("stowage cat on memory:// (in process)", () => {
  it("cats what this process put, with a range", async () => {
    const { storage } = (await locationOpener({ env: process.env, cwd: process.cwd() })("memory://")) as { storage: Storage };
    await storage.put("cat-mem/x", "0123456789");
    expect((await runCliInProcess(["cat", "--range", "2-4", "memory://#cat-mem/x"])).stdout).toBe("234");
  });
});

for (const { label, target } of realS3Targets()) {
  describe.skipIf(target === null)(`stowage cat on ${label}`, () => {
    const prefix = uniquePrefix("cat");
    let storage: Storage;
    beforeAll(async () => {
      storage = await openTestStorage(target!.url, target!.env);
      await seed(storage, { [`${prefix}big.bin`]: big });
    });
    afterAll(async () => {
      await storage?.deletePrefix(prefix);
    });

    it("whole object and a range", async () => {
      const location = `${target!.url}#${prefix}big.bin`;
      const whole = await runCliInProcess(["cat", location], { env: target!.env });
      expect(whole.code).toBe(0);
      expect(whole.stdoutBytes.equals(Buffer.from(big))).toBe(true);
      const range = await runCli(["cat", "--range", "1000-1009", location], { env: target!.env });
      expect(range).toMatchObject({ code: 0, stderr: "" });
      expect(Buffer.from(range.stdout, "latin1").length).toBeGreaterThan(0);
      const bytes = (await runCliInProcess(["cat", "--range", "1000-1009", location], { env: target!.env })).stdoutBytes;
      expect(bytes.equals(Buffer.from(big.subarray(1000, 1010)))).toBe(true);
    });
  });
}
