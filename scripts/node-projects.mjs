// Prints `--project <name>` for every vitest project that runs in Node (not
// inside workerd or a browser), for the Node 24 run.
import { readdirSync, readFileSync, existsSync } from "node:fs";
const skip = new Set(["r2"]);
const args = [];
for (const dir of ["packages", "examples"]) {
  for (const name of readdirSync(dir)) {
    // vitest.node.config.ts: a package's extra Node-side project (r2-node).
    for (const file of ["vitest.config.ts", "vitest.node.config.ts"]) {
      const config = `${dir}/${name}/${file}`;
      if (!existsSync(config)) continue;
      const text = readFileSync(config, "utf8");
      if (text.includes("cloudflareTest") || text.includes("node24: false")) continue;
      const match = text.match(/name:\s*"([^"]+)"/);
      if (match && !skip.has(match[1])) args.push("--project", match[1]);
    }
  }
}
process.stdout.write(args.join(" "));
