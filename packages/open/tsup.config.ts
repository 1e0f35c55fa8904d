import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "es2022",
  tsconfig: "tsconfig.build.json",
  // openStorage imports the driver packages lazily at run time, and core is a peer; never bundle them.
  external: ["@stowage/core", "@stowage/memory", "@stowage/fs", "@stowage/s3", "@stowage/r2"],
});
