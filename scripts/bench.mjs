// `pnpm bench`: builds the packages, then runs every packages/*/bench/*.bench.mjs
// (and examples/*/bench) one after another. Each prints its own table of
// figures with ratios against a baseline measured in the same run.
// Filter: `pnpm bench fs` runs only files whose path contains "fs".
import { readdirSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

const filter = process.argv[2];
const build = spawnSync("pnpm", ["exec", "turbo", "run", "build", "--output-logs=errors-only"], { stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);
const files = [];
for (const dir of ["packages", "examples"]) {
  for (const name of readdirSync(dir).sort()) {
    const benchDir = `${dir}/${name}/bench`;
    if (!existsSync(benchDir)) continue;
    for (const file of readdirSync(benchDir).sort()) {
      if (file.endsWith(".bench.mjs")) files.push(`${benchDir}/${file}`);
    }
  }
}
let failed = 0;
for (const file of files) {
  if (filter && !file.includes(filter)) continue;
  console.log(`\n### ${file}`);
  const result = spawnSync(process.execPath, ["--expose-gc", file], { stdio: "inherit" });
  if (result.status !== 0) {
    failed++;
    console.log(`!!! ${file} exited with ${result.status}`);
  }
}
process.exit(failed ? 1 : 0);
