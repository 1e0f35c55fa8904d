import { defineProject } from "vitest/config";
import { stowageAliases } from "../../vitest.shared.ts";

export default defineProject({
  resolve: { alias: stowageAliases },
  test: {
    name: "s3",
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Starts Ceph RGW when S3_ENDPOINT is unset (and fails under CI=true).
    globalSetup: ["test/rgw-global-setup.ts"],
  },
});
