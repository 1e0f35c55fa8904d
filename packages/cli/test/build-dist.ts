import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = fileURLToPath(new URL("..", import.meta.url));

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Vitest globalSetup: builds dist/cli.js (the binary the tests spawn) when it is missing or older than src. */
export default function setup(): void {
  const built = join(packageDir, "dist", "cli.js");
  const sources = [join(packageDir, "src"), join(packageDir, "tsup.config.ts"), join(packageDir, "package.json")];
  const newestSource = Math.max(...sources.map(newestMtime));
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource) return;
  // tsup is a root devDependency of the workspace.
  const tsupPackage = createRequire(join(packageDir, "..", "..", "package.json")).resolve("tsup/package.json");
  execFileSync(process.execPath, [join(tsupPackage, "..", "dist", "cli-default.js")], {
    cwd: packageDir,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, STOWAGE_CLI_BUILD_NO_DTS: "1" },
  });
}
