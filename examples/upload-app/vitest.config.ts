import { defineProject } from "vitest/config";
import { stowageAliases } from "../../vitest.shared.ts";

// node24: false (end-to-end in Chromium; one Node pass is enough)
export default defineProject({
  resolve: { alias: stowageAliases },
  test: {
    name: "upload-app",
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
