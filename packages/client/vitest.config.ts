import { defineProject } from "vitest/config";
import { stowageAliases } from "../../vitest.shared.ts";

// node24: false (the tests drive Chromium; one Node pass is enough)
export default defineProject({
  resolve: { alias: stowageAliases },
  test: { name: "client", include: ["test/**/*.test.ts"], testTimeout: 30_000 },
});
