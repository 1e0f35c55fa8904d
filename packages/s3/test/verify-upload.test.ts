// verifyUpload on Ceph RGW (project s3) and OpenStack Swift (s3-swift): the same checks and codes as on memory and fs
// (packages/core/test/verify-upload.test.ts).
import { createStorage } from "@stowage/core";
import { testDriver } from "./s3-test-driver.ts";
import { describe, it } from "vitest";
import { describeVerifyUpload } from "../../core/test/verify-upload-suite.ts";
import { s3Environment } from "./s3-test-environment.ts";

const environment = s3Environment();

if (environment === null) {
  describe.skip("verifyUpload: s3 [SKIPPED: the S3 server could not be installed]", () => {
    it("needs a real S3 server", () => {});
  });
} else {
  const storage = createStorage(
    testDriver(environment),
  );
  const prefix = `verify-upload-${Date.now()}-${Math.random().toString(36).slice(2, 8)}/`;
  describeVerifyUpload(`s3 (${environment.profile})`, () => ({ storage, prefix }));
}
