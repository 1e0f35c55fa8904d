/// <reference types="node" />
// A fresh clone installs without the "cyclic workspace dependencies" warning.
// @stowage/core used to list the drivers as optional peers (for openStorage)
// while every driver depends on core: a cycle pnpm warned about on every
// install. The URL openers now live in @stowage/open, which nothing depends on.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "stowage-fresh-clone-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `pnpm install --frozen-lockfile` in a fresh clone of `ref`: its output, or the failure's. */
function freshCloneInstall(ref: string, directory: string): { ok: boolean; output: string } {
  execFileSync("git", ["clone", "--quiet", "--no-checkout", root, directory], { stdio: "pipe" });
  execFileSync("git", ["checkout", "--quiet", ref], { cwd: directory, stdio: "pipe" });
  try {
    // From the store (offline): the lockfile must be complete and current. No
    // build scripts: the cycle warning comes from resolving the workspace.
    const output = execFileSync("pnpm", ["install", "--frozen-lockfile", "--offline", "--ignore-scripts", "--reporter=append-only"], {
      cwd: directory,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CI: "true" },
    });
    return { ok: true, output };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failure.stdout ?? ""}${failure.stderr ?? failure.message}` };
  }
}

describe.skipIf(!existsSync(join(root, ".git")))("fresh clone", () => {
  it("pnpm install --frozen-lockfile succeeds and prints no cyclic-dependency warning", () => {
    const { ok, output } = freshCloneInstall(process.env.FRESH_CLONE_REF ?? "HEAD", join(work, "clone"));
    expect(output).not.toMatch(/cyclic/i);
    expect(ok, output).toBe(true);
  }, 240_000);
});
