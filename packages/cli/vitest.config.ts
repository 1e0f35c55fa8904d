import { defineProject } from "vitest/config";
import { stowageAliases } from "../../vitest.shared.ts";

export default defineProject({
  resolve: { alias: stowageAliases },
  test: {
    name: "cli",
    include: ["test/**/*.test.ts"],
    // Most tests spawn the built binary (dist/cli.js): build it first when it is missing or older than src.
    globalSetup: ["test/build-dist.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
