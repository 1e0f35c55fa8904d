import { S3Client } from "@aws-sdk/client-s3";
import { inject } from "vitest";

/** Where the test server is, and which profile the driver uses on it. */
export interface S3TestEnvironment {
  /** The `s3` project runs on Ceph RGW, `s3-swift` on OpenStack Swift. */
  profile: "ceph-rgw" | "swift";
  /** For test names: "Ceph RGW" or "OpenStack Swift". */
  label: string;
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** The server for this run, or null when the tests must skip (never under CI). */
export function s3Environment(): S3TestEnvironment | null {
  return inject("s3Environment") ?? null;
}

/** A raw client for the test server, configured like the driver's. */
export function rawClient(environment: S3TestEnvironment): S3Client {
  return new S3Client({
    region: environment.region,
    endpoint: environment.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: environment.accessKeyId, secretAccessKey: environment.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}
