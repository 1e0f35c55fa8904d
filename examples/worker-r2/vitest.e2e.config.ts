import { defineProject } from "vitest/config";
import { stowageAliases } from "../../vitest.shared.ts";

// node24: false (end-to-end in Chromium against `wrangler dev`; one Node pass is enough)
// In Node: spawns the README's dev command (wrangler dev, local R2) and drives Debian Chromium.
export default defineProject({
  resolve: { alias: stowageAliases },
  test: {
    name: "worker-r2-e2e",
    include: ["test-e2e/**/*.e2e.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One wrangler dev and one Chromium at a time (2 cores, shared).
    fileParallelism: false,
  },
});
