import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineProject } from "vitest/config";
import { stowageAliases } from "../../vitest.shared.ts";

// Runs inside workerd (not Node): the R2 binding is only faithful there.
export default defineProject({
  plugins: [
    cloudflareTest({
      miniflare: {
        compatibilityDate: "2026-04-20",
        compatibilityFlags: ["nodejs_compat"],
        r2Buckets: ["BUCKET"],
      },
    }),
  ],
  resolve: { alias: stowageAliases },
  test: { name: "r2", include: ["test/**/*.test.ts"], testTimeout: 60_000 },
});
