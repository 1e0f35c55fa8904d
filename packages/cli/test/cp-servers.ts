import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** A real S3 server from scripts/test.sh's environment, as the CLI sees it: a URL and the credentials' variables. */
export interface CliS3Server {
  label: string;
  /** `s3://bucket?endpoint=…&forcePathStyle=true` (add `#key`). */
  url: string;
  bucket: string;
  endpoint: string;
  region: string;
  /** The variables a spawned CLI needs (credentials come only from the environment). */
  env: Record<string, string | undefined>;
}

const variables = {
  "Ceph RGW": ["S3_ENDPOINT", "S3_BUCKET", "S3_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
  "OpenStack Swift": ["SWIFT_S3_ENDPOINT", "SWIFT_S3_BUCKET", "SWIFT_S3_REGION", "SWIFT_S3_ACCESS_KEY_ID", "SWIFT_S3_SECRET_ACCESS_KEY"],
} as const;

/**
 * The server named `label` when its variables are set; `undefined` (tests
 * skip) when they are not, except under CI=true, where a missing server
 * fails the run.
 */
export function cliS3Server(label: keyof typeof variables): CliS3Server | undefined {
  const [endpointName, bucketName, regionName, keyName, secretName] = variables[label];
  const endpoint = process.env[endpointName];
  if (!endpoint) {
    if (process.env.CI === "true") throw new Error(`CI=true but ${endpointName} is not set: the cli's ${label} tests must run (use scripts/test.sh)`);
    return undefined;
  }
  const bucket = process.env[bucketName] ?? "stowage-test";
  const region = process.env[regionName] ?? "us-east-1";
  return {
    label,
    bucket,
    endpoint,
    region,
    url: `s3://${bucket}?endpoint=${endpoint}&forcePathStyle=true&region=${region}`,
    env: { AWS_ACCESS_KEY_ID: process.env[keyName] ?? "", AWS_SECRET_ACCESS_KEY: process.env[secretName] ?? "", AWS_SESSION_TOKEN: undefined },
  };
}

/** The AWS SDK's S3 module, resolved through @stowage/s3 (the cli does not depend on it directly). */
export function awsSdk(): typeof import("@aws-sdk/client-s3") {
  const s3Package = fileURLToPath(new URL("../../s3/package.json", import.meta.url));
  return createRequire(s3Package)("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
}

/** A raw S3Client for a server (for checks the Storage API does not offer, such as ListMultipartUploads). */
export function rawClient(server: CliS3Server) {
  const { S3Client } = awsSdk();
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.env.AWS_ACCESS_KEY_ID!, secretAccessKey: server.env.AWS_SECRET_ACCESS_KEY! },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** A fresh key prefix per test run, so runs never see each other's objects. */
export function runPrefix(name: string): string {
  return `cli-${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}/`;
}
