// Creates the standard shape of a Stowage package: package.json with exports,
// tsup config, tsconfig, vitest project config and a README stub.
// Usage: node scripts/new-package.mjs <name> "<description>" [subpath ...]
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
const [name, description, ...subpaths] = process.argv.slice(2);
const dir = `packages/${name}`;
mkdirSync(`${dir}/src`, { recursive: true });
mkdirSync(`${dir}/test`, { recursive: true });
const entry = (file) => ({
  import: { types: `./dist/${file}.d.ts`, default: `./dist/${file}.js` },
  require: { types: `./dist/${file}.d.cts`, default: `./dist/${file}.cjs` },
});
const exportsMap = { ".": entry("index") };
for (const sub of subpaths) exportsMap[`./${sub}`] = entry(sub);
exportsMap["./package.json"] = "./package.json";
const pkg = {
  name: `@stowage/${name}`,
  version: "0.1.0",
  description,
  license: "MIT",
  type: "module",
  sideEffects: false,
  engines: { node: ">=20" },
  main: "./dist/index.cjs",
  module: "./dist/index.js",
  types: "./dist/index.d.cts",
  exports: exportsMap,
  files: ["dist", "README.md"],
  scripts: {
    build: "tsup",
    typecheck: "tsc --noEmit -p tsconfig.json",
    "lint:package": "publint --strict && attw --pack .",
  },
  dependencies: {},
  devDependencies: {},
};
if (!existsSync(`${dir}/package.json`)) writeFileSync(`${dir}/package.json`, JSON.stringify(pkg, null, 2) + "\n");
writeFileSync(
  `${dir}/tsup.config.ts`,
  `import { defineConfig } from "tsup";

export default defineConfig({
  entry: ${JSON.stringify(["src/index.ts", ...subpaths.map((s) => `src/${s}.ts`)])},
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "es2022",
  tsconfig: "tsconfig.build.json",
});
`,
);
writeFileSync(
  `${dir}/tsconfig.json`,
  JSON.stringify({ extends: "../../tsconfig.dev.json", compilerOptions: { types: ["node"] }, include: ["src", "test", "*.config.ts"] }, null, 2) + "\n",
);
if (!existsSync(`${dir}/vitest.config.ts`)) writeFileSync(
  `${dir}/vitest.config.ts`,
  `import { defineProject } from "vitest/config";
import { stowageAliases } from "../../vitest.shared.ts";

export default defineProject({
  resolve: { alias: stowageAliases },
  test: { name: ${JSON.stringify(name)}, include: ["test/**/*.test.ts"], testTimeout: 30_000 },
});
`,
);
writeFileSync(`${dir}/tsconfig.build.json`, JSON.stringify({ extends: "../../tsconfig.base.json", include: ["src"] }, null, 2) + "\n");
if (!existsSync(`${dir}/README.md`)) writeFileSync(`${dir}/README.md`, `# @stowage/${name}\n\n${description}\n`);
