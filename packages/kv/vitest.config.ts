import { defineProject } from "vitest/config";
import { stowageAliases } from "../../vitest.shared.ts";

export default defineProject({
  resolve: { alias: stowageAliases },
  test: { name: "kv", include: ["test/**/*.test.ts"], testTimeout: 30_000 },
});
