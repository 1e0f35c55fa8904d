import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineProject } from "vitest/config";
import { stowageAliases } from "../../vitest.shared.ts";

// Runs inside workerd (not Node): the Workers KV binding (miniflare's KV
// simulator behind workerd's own binding code) is only faithful there.
export default defineProject({
  plugins: [
    cloudflareTest({
      miniflare: {
        compatibilityDate: "2026-04-20",
        compatibilityFlags: ["nodejs_compat"],
        kvNamespaces: ["KV"],
      },
    }),
  ],
  resolve: { alias: stowageAliases },
  test: {
    name: "kv-workerd",
    include: ["test-workerd/**/*.test.ts"],
    // In Node: native expiry observed on a private Miniflare whose KV clock it can move.
    globalSetup: ["test-workerd/native-expiry.global-setup.ts"],
    testTimeout: 60_000,
  },
});
