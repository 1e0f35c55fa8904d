import { describe, it } from "vitest";
import { describeConformance } from "@stowage/conformance/vitest";
import { s3Profiles } from "@stowage/s3";
import { testDriver } from "./s3-test-driver.ts";
import { s3Environment } from "./s3-test-environment.ts";

const environment = s3Environment();

// Runs in the `s3` project on Ceph RGW and in `s3-swift` on OpenStack Swift;
// a case the server's profile cannot do is skipped by the capability it
// lacks, named in the test's title.
if (environment === null) {
  describe.skip("conformance: s3 [SKIPPED: the S3 server could not be installed]", () => {
    it("needs a real S3 server", () => {});
  });
} else {
  const profile = s3Profiles[environment.profile];
  // Cases that need more than a profile fact allows, with the fact as the reason.
  const skip: Record<string, string> = {};
  if (profile.maxMetadataValueBytes !== undefined && profile.maxMetadataValueBytes < 1022) {
    skip["put: metadata up to 2 KiB (or the driver's smaller maxMetadataBytes) is accepted and more is InvalidArgument"] =
      `profile.maxMetadataValueBytes is ${profile.maxMetadataValueBytes} on ${profile.name}: the case stores two 1,022-byte values, which the driver refuses with InvalidArgument (s3-driver.test.ts checks the limit)`;
  }
  describeConformance({
    skip,
    name: `s3 (${environment.profile})`,
    create: () => ({
      driver: testDriver(environment),
    }),
  });
}
