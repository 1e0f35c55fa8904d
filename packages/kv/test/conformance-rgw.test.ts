import { describe, expect, it } from "vitest";
import type { StorageDriver } from "@stowage/core";
import { s3Driver } from "@stowage/s3";
import { describeKvConformance } from "@stowage/kv/conformance";
import { storageFixture } from "./kv-fixtures.ts";

// Ceph RGW from scripts/test.sh (S3_ENDPOINT, S3_BUCKET, S3_REGION,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY). Skipped without it, except
// under CI=true, where a missing server fails the run.
const endpoint = process.env.S3_ENDPOINT;
const ci = process.env.CI === "true";

function rgw(): StorageDriver {
  if (endpoint === undefined) throw new Error("CI=true and S3_ENDPOINT is unset: scripts/test.sh must start Ceph RGW and export its env for the kv project");
  return s3Driver({
    bucket: process.env.S3_BUCKET ?? "stowage-test",
    region: process.env.S3_REGION ?? "us-east-1",
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! },
    profile: "ceph-rgw",
    // Object expiry: the driver keeps it in metadata and HEADs listed objects for it.
    expiry: true,
  });
}

if (endpoint !== undefined || ci) {
  describeKvConformance({ name: "s3 (ceph-rgw)", create: () => storageFixture(rgw()), timeout: 120_000 });
  describe("kv over Ceph RGW", () => {
    it("declares expiry, and no safe sweep (RGW has no conditional delete): sweepExpired is Unsupported", () => {
      const driver = rgw();
      expect(driver.capabilities.expiry).toBe(true);
      expect(driver.capabilities.deleteIfMatch).toBe(false);
    });
  });
} else {
  describe.skip("kv conformance: s3 (ceph-rgw) [skipped: S3_ENDPOINT unset and not CI]", () => {
    it("needs Ceph RGW", () => {});
  });
}
