import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cliPath, runCliInProcess } from "./cli-harness.ts";

const hangingDriver = new URL("./hanging-driver.mjs", import.meta.url).pathname;

/** Spawns `stowage cat` on the hanging driver and sends SIGINT `count` times once the get started. */
function interrupt(count: number, env: Record<string, string> = {}): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, "cat", `module:${hangingDriver}#slow.bin`], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      const before = stderr;
      stderr += chunk.toString();
      if (!before.includes("get started") && stderr.includes("get started")) {
        for (let index = 0; index < count; index++) setTimeout(() => child.kill("SIGINT"), 50 + index * 200);
      }
    });
    child.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe("Ctrl-C (SIGINT) in the bin", () => {
  it("the first SIGINT aborts the command's signal: exit 130, one line", async () => {
    const result = await interrupt(1);
    expect(result).toEqual({ code: 130, signal: null, stderr: "get started\nstowage: interrupted\n" });
  });

  it("a second SIGINT exits at once when the first cannot stop the work", async () => {
    const result = await interrupt(2, { HANG_IN_OPEN: "1" });
    expect(result).toEqual({ code: 130, signal: null, stderr: "get started\n" });
  });
});

describe("an aborted run in process", () => {
  it("exits 130; --debug prints the Aborted error and its cause", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("interrupted (SIGINT)")), 100);
    const result = await runCliInProcess(["--debug", "cat", `module:${hangingDriver}#slow.bin`], { signal: controller.signal });
    expect(result.code).toBe(130);
    const lines = result.stderr.split("\n");
    expect(lines[0]).toMatch(/^stowage: Aborted: /);
    expect(lines).toContain("  caused by: Error: interrupted (SIGINT)");
  });
});
