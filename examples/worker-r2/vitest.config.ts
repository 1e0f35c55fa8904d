import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineProject } from "vitest/config";
import { stowageAliases } from "../../vitest.shared.ts";
// @ts-expect-error: a plain .mjs build script without declarations
import { buildAssets } from "./build.mjs";

// wrangler.jsonc serves dist/assets (the page); build it so the config is complete.
await buildAssets();

// Runs inside workerd through the Worker's fetch handler, with the R2 binding
// and the KV namespace from wrangler.jsonc plus a test secret and flags token.
export default defineProject({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: { bindings: { SIGNING_SECRET: "a test secret of at least thirty-two bytes, not for production", FLAGS_TOKEN: "test-flags-token" } },
    }),
  ],
  resolve: { alias: stowageAliases },
  test: { name: "worker-r2", include: ["test/**/*.test.ts"], testTimeout: 60_000 },
});
