import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/cli.ts", "src/commands/*.ts"],
  format: ["esm"],
  // The tests' globalSetup (test/build-dist.ts) builds without declarations, for speed.
  dts: process.env.STOWAGE_CLI_BUILD_NO_DTS !== "1",
  clean: true,
  sourcemap: true,
  target: "node20",
  platform: "node",
  tsconfig: "tsconfig.build.json",
  // Each command is its own entry (dist/commands/<name>.js), imported by name at run time (src/command-registry.ts).
  splitting: true,
  banner: { js: "#!/usr/bin/env node" },
  // The workspace packages and the drivers (optional peers, loaded by @stowage/open) are never bundled.
  external: [/^@stowage\//, "cli-progress"],
});
