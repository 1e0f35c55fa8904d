// verifyUpload on Ceph RGW: the same checks and codes as on memory and fs
// (packages/core/test/verify-upload.test.ts).
import { createStorage } from "@stowage/core";
import { s3Driver } from "@stowage/s3";
import { describe, it } from "vitest";
import { describeVerifyUpload } from "../../core/test/verify-upload-suite.ts";
import { s3Environment } from "./s3-test-environment.ts";

const environment = s3Environment();

if (environment === null) {
  describe.skip("verifyUpload: s3 (ceph-rgw) [SKIPPED: Ceph RGW could not be installed]", () => {
    it("needs Ceph RGW", () => {});
  });
} else {
  const storage = createStorage(
    s3Driver({
      bucket: environment.bucket,
      region: environment.region,
      endpoint: environment.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: environment.accessKeyId, secretAccessKey: environment.secretAccessKey },
      profile: "ceph-rgw",
    }),
  );
  const prefix = `verify-upload-${Date.now()}-${Math.random().toString(36).slice(2, 8)}/`;
  describeVerifyUpload("s3 (ceph-rgw)", () => ({ storage, prefix }));
}
