import { defineProject } from "vitest/config";
import { stowageAliases } from "../../vitest.shared.ts";

// node24: false (the tests drive Chromium; one Node pass is enough)
export default defineProject({
  resolve: { alias: stowageAliases },
  test: {
    name: "client",
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The S3 half of the tests runs against Ceph RGW: the s3 package's setup
    // uses S3_ENDPOINT, or starts one (and fails under CI=true without it).
    globalSetup: ["../s3/test/rgw-global-setup.ts"],
  },
});
