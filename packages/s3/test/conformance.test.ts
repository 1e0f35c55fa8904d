import { describe, it } from "vitest";
import { describeConformance } from "@stowage/conformance/vitest";
import { s3Driver } from "@stowage/s3";
import { s3Environment } from "./s3-test-environment.ts";

const environment = s3Environment();

if (environment === null) {
  describe.skip("conformance: s3 (ceph-rgw) [SKIPPED: Ceph RGW could not be installed]", () => {
    it("needs Ceph RGW", () => {});
  });
} else {
  describeConformance({
    name: "s3 (ceph-rgw)",
    create: () => ({
      driver: s3Driver({
        bucket: environment.bucket,
        region: environment.region,
        endpoint: environment.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: environment.accessKeyId, secretAccessKey: environment.secretAccessKey },
        profile: "ceph-rgw",
      }),
    }),
  });
}
