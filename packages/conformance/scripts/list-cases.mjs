// Prints the conformance case list as Markdown, or with --write replaces the
// part of README.md between the "cases:start" and "cases:end" markers.
// Each case shows the capabilities it needs and the deliberate mutations
// (test/mutation-map.ts) that make it fail.
//
//   node packages/conformance/scripts/list-cases.mjs [--write]
//
// Needs @stowage/core built (the cases import it at run time).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const packageDir = fileURLToPath(new URL("..", import.meta.url));

const bundled = await build({
  stdin: {
    contents: `
      export { conformanceCases } from "./src/conformance-cases.ts";
      export { mutationsByCase } from "./test/mutation-map.ts";
    `,
    resolveDir: packageDir,
    loader: "ts",
  },
  bundle: true,
  write: false,
  format: "esm",
  platform: "node",
  external: ["@stowage/*"],
  logLevel: "error",
});
// Written inside the package, so "@stowage/core" resolves from its node_modules.
const cacheDir = `${packageDir}node_modules/.cache/`;
await mkdir(cacheDir, { recursive: true });
const bundlePath = `${cacheDir}list-cases.mjs`;
await writeFile(bundlePath, bundled.outputFiles[0].text);
const { conformanceCases, mutationsByCase } = await import(pathToFileURL(bundlePath).href);

const escape = (text) => text.replaceAll("|", "\\|");
const lines = [
  `${conformanceCases.length} cases. "Fails under" names the deliberately broken drivers and core patches`,
  "(packages/conformance/test/broken-drivers.ts and broken-core.ts) that the mutation test",
  "(test/mutations.test.ts) checks the case catches.",
  "",
];
let area;
for (const each of conformanceCases) {
  const current = each.name.split(":")[0];
  if (current !== area) {
    area = current;
    lines.push("", `### ${area}`, "", "| case | requires | fails under |", "|---|---|---|");
  }
  const requires = each.requires.length === 0 ? "—" : each.requires.map((name) => `\`${name}\``).join(", ");
  const mutations = mutationsByCase[each.name];
  const failsUnder = mutations === undefined ? "(signing tests)" : mutations.map(escape).join("; ");
  lines.push(`| ${escape(each.name.slice(current.length + 1).trim())} | ${requires} | ${failsUnder} |`);
}
const table = lines.join("\n");

if (process.argv.includes("--write")) {
  const readmePath = new URL("../README.md", import.meta.url);
  const readme = await readFile(readmePath, "utf8");
  const start = "<!-- cases:start -->";
  const end = "<!-- cases:end -->";
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error("README.md has no cases:start / cases:end markers");
  await writeFile(readmePath, `${readme.slice(0, from + start.length)}\n${table}\n${readme.slice(to)}`);
  console.log(`README.md: ${conformanceCases.length} cases written`);
} else {
  console.log(table);
}
