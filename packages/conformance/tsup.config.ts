import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/vitest.ts", "src/node-test.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "es2022",
  tsconfig: "tsconfig.build.json",
  // node:test exists only with its prefix.
  removeNodeProtocol: false,
});
