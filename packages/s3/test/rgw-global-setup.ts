import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import type { S3TestEnvironment } from "./s3-test-environment.ts";

const cephScripts = fileURLToPath(new URL("../../../scripts/ceph/", import.meta.url));

declare module "vitest" {
  export interface ProvidedContext {
    s3Environment: S3TestEnvironment | null;
  }
}

function fromEnvironment(): S3TestEnvironment | null {
  const env = process.env;
  if (!env.S3_ENDPOINT) return null;
  return {
    endpoint: env.S3_ENDPOINT,
    bucket: env.S3_BUCKET ?? "stowage-test",
    region: env.S3_REGION ?? "us-east-1",
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? "",
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? "",
  };
}

function cephInstalled(): boolean {
  return spawnSync("sh", ["-c", "command -v radosgw && command -v ceph-mon && command -v ceph-osd"], { stdio: "ignore" }).status === 0;
}

/**
 * Uses the RGW named by S3_ENDPOINT (scripts/test.sh starts one). Without
 * it: under CI=true, fail; otherwise start a cluster for this run (installing
 * Ceph first when possible) and stop it afterwards, or warn loudly and let
 * the S3 tests skip when Ceph cannot be installed.
 */
export default function setup(project: TestProject): (() => void) | undefined {
  const existing = fromEnvironment();
  if (existing !== null) {
    project.provide("s3Environment", existing);
    return undefined;
  }
  if (process.env.CI === "true") {
    throw new Error("CI=true but S3_ENDPOINT is not set: the S3 suite must run against Ceph RGW in CI (use scripts/test.sh)");
  }
  if (!cephInstalled()) {
    spawnSync("bash", [join(cephScripts, "install.sh")], { stdio: "inherit" });
  }
  if (!cephInstalled()) {
    console.warn("\n!!! WARNING: Ceph RGW is not installed and could not be installed; the S3 tests are SKIPPED !!!\n");
    project.provide("s3Environment", null);
    return undefined;
  }
  const stateDir = mkdtempSync(join(tmpdir(), "stowage-ceph-vitest."));
  rmdirSync(stateDir);
  execFileSync("bash", [join(cephScripts, "start.sh"), stateDir], { stdio: ["ignore", "ignore", "inherit"] });
  const values = Object.fromEntries(
    readFileSync(join(stateDir, "env"), "utf8")
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  project.provide("s3Environment", {
    endpoint: values.S3_ENDPOINT,
    bucket: values.S3_BUCKET,
    region: values.S3_REGION,
    accessKeyId: values.AWS_ACCESS_KEY_ID,
    secretAccessKey: values.AWS_SECRET_ACCESS_KEY,
  });
  return () => {
    spawnSync("bash", [join(cephScripts, "stop.sh"), stateDir], { stdio: "inherit" });
  };
}
