import { defineProject } from "vitest/config";
import { stowageAliases } from "../../vitest.shared.ts";

// The S3 suite again, on OpenStack Swift's S3 API (profile "swift"): every
// test file that talks to a server, except rgw-stall (it freezes and kills a
// radosgw of its own). Files without a server (presign-identity,
// sign-put-conflicts, part-size, map-s3-error, s3-wire-units) run once, in
// the s3 project. Node 20 only: the Node 24 pass
// (scripts/node-projects.mjs) runs the s3 project on RGW.
export default defineProject({
  resolve: { alias: stowageAliases },
  test: {
    name: "s3-swift",
    include: [
      "test/conformance.test.ts", "test/s3-driver.test.ts", "test/verify-upload.test.ts", "test/configure-cors.test.ts", "test/profile-facts.test.ts",
      "test/error-messages.test.ts",
      "test/profile-detection.test.ts",
      "test/copy.test.ts", "test/conditional-delete.test.ts", "test/list-start-after.test.ts", "test/signing-endpoint.test.ts",
      "test/upload-sessions.test.ts",
      "test/list-with-metadata.test.ts", "test/expiry-conformance.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Starts Swift when SWIFT_S3_ENDPOINT is unset (and fails under CI=true).
    globalSetup: ["test/swift-global-setup.ts"],
  },
});
