import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import { loadCommand, commandNames } from "../src/command-registry.ts";
import { UsageError } from "../src/errors.ts";

// A copy of dist inside the package (so @stowage/* still resolve) with one command's module deleted.
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const brokenDist = join(packageDir, `.test-dist-${process.pid}`);

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(brokenDist, "cli.js"), ...args], { encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the command registry", () => {
  beforeAll(() => {
    cpSync(join(packageDir, "dist"), brokenDist, { recursive: true });
    rmSync(join(brokenDist, "commands", "stat.js"));
  });
  afterAll(() => rmSync(brokenDist, { recursive: true, force: true }));

  it("lists the ten commands", () => {
    expect([...commandNames]).toEqual(["ls", "stat", "cat", "cp", "mv", "rm", "sign", "serve", "conformance", "probe"]);
  });

  it("a missing command module is a clear error for that command only", () => {
    const stat = run(["stat", "memory://#x"]);
    expect(stat).toEqual({ code: 1, stdout: "", stderr: 'stowage: Error: the "stat" command is not available in this build (its module failed to load)\n' });
    expect(run(["ls", "memory://"])).toEqual({ code: 0, stdout: "", stderr: "" });
    const help = run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}stat +\(not available in this build\)$/m);
    expect(help.stdout).toMatch(/^ {2}ls +list the objects/m);
  });

  it("loads a command by name; an unknown name is a usage error", async () => {
    expect((await loadCommand("ls")).summary).toMatch(/^list/);
    await expect(loadCommand("nope")).rejects.toBeInstanceOf(UsageError);
  });
});
