import { defineProject } from "vitest/config";
import { stowageAliases } from "../../vitest.shared.ts";

// Needs Azurite (scripts/azurite/start.sh DIR, then the variables of DIR/env):
// the suites skip without AZURE_BLOB_ENDPOINT, and fail under CI=true.
export default defineProject({
  resolve: { alias: stowageAliases },
  test: { name: "azure", include: ["test/**/*.test.ts"], testTimeout: 30_000 },
});
