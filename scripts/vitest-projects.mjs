// Prints `--project <name>` for the vitest projects of vitest.workspace.ts,
// split by pool, for scripts/test.sh:
//   --workerd      the projects that run inside workerd (@cloudflare/vitest-pool-workers)
//   --not-workerd  every other project
// The workerd pool can stall mid-run (cloudflare/workers-sdk#15498), so
// test.sh runs those projects on their own, under a short watchdog.
import { existsSync, readdirSync, readFileSync } from "node:fs";

const mode = process.argv[2];
if (mode !== "--workerd" && mode !== "--not-workerd") {
  console.error("usage: node scripts/vitest-projects.mjs --workerd|--not-workerd");
  process.exit(2);
}
const workspace = readFileSync(new URL("../vitest.workspace.ts", import.meta.url), "utf8");
const patterns = [...workspace.matchAll(/"([^"]+\.ts)"/g)].map((match) => match[1]);

/** The config files a pattern names (a `*` matches one directory). */
function configsOf(pattern) {
  const [dir, star, ...rest] = pattern.split("/");
  if (star !== "*") return existsSync(pattern) ? [pattern] : [];
  return readdirSync(dir)
    .sort()
    .map((name) => [dir, name, ...rest].join("/"))
    .filter((path) => existsSync(path));
}

const names = new Set();
for (const config of patterns.flatMap(configsOf)) {
  const text = readFileSync(config, "utf8");
  const name = text.match(/name:\s*"([^"]+)"/)?.[1];
  if (name === undefined) continue;
  const workerd = text.includes("cloudflareTest");
  if (workerd === (mode === "--workerd")) names.add(name);
}
process.stdout.write([...names].flatMap((name) => ["--project", name]).join(" "));
