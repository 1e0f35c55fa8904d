import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import type { S3TestEnvironment } from "./s3-test-environment.ts";

declare module "vitest" {
  export interface ProvidedContext {
    s3Environment: S3TestEnvironment | null;
  }
}

/** One of the real S3 servers the suite runs against, and how scripts/ start it. */
interface S3Server {
  profile: S3TestEnvironment["profile"];
  label: string;
  /** scripts/<dir>/{install,start,stop}.sh */
  scripts: string;
  /** The environment variables scripts/test.sh exports (and start.sh writes to STATE_DIR/env). */
  variables: { endpoint: string; bucket: string; region: string; accessKeyId: string; secretAccessKey: string };
  /** Binaries that must be on PATH. */
  binaries: string[];
}

const servers: Record<S3TestEnvironment["profile"], S3Server> = {
  "ceph-rgw": {
    profile: "ceph-rgw",
    label: "Ceph RGW",
    scripts: "ceph",
    variables: { endpoint: "S3_ENDPOINT", bucket: "S3_BUCKET", region: "S3_REGION", accessKeyId: "AWS_ACCESS_KEY_ID", secretAccessKey: "AWS_SECRET_ACCESS_KEY" },
    binaries: ["radosgw", "ceph-mon", "ceph-osd"],
  },
  swift: {
    profile: "swift",
    label: "OpenStack Swift",
    scripts: "swift",
    variables: {
      endpoint: "SWIFT_S3_ENDPOINT",
      bucket: "SWIFT_S3_BUCKET",
      region: "SWIFT_S3_REGION",
      accessKeyId: "SWIFT_S3_ACCESS_KEY_ID",
      secretAccessKey: "SWIFT_S3_SECRET_ACCESS_KEY",
    },
    binaries: ["swift-proxy-server", "swift-object-server", "memcached"],
  },
};

function environmentFrom(server: S3Server, values: Record<string, string | undefined>): S3TestEnvironment | null {
  const v = server.variables;
  if (!values[v.endpoint]) return null;
  return {
    profile: server.profile,
    label: server.label,
    endpoint: values[v.endpoint]!,
    bucket: values[v.bucket] ?? "stowage-test",
    region: values[v.region] ?? "us-east-1",
    accessKeyId: values[v.accessKeyId] ?? "",
    secretAccessKey: values[v.secretAccessKey] ?? "",
  };
}

function installed(server: S3Server): boolean {
  const check = server.binaries.map((name) => `command -v ${name}`).join(" && ");
  return spawnSync("sh", ["-c", check], { stdio: "ignore" }).status === 0;
}

/**
 * A vitest global setup for one server. It uses the server named by the
 * environment (scripts/test.sh starts both). Without it: under CI=true, fail;
 * otherwise start one for this run (installing it first when possible) and
 * stop it afterwards, or warn loudly and let the tests skip when it cannot be
 * installed.
 */
export function s3ServerSetup(profile: S3TestEnvironment["profile"]) {
  const server = servers[profile];
  const scripts = fileURLToPath(new URL(`../../../scripts/${server.scripts}/`, import.meta.url));
  return function setup(project: TestProject): (() => void) | undefined {
    const existing = environmentFrom(server, process.env);
    if (existing !== null) {
      project.provide("s3Environment", existing);
      return undefined;
    }
    if (process.env.CI === "true") {
      throw new Error(
        `CI=true but ${server.variables.endpoint} is not set: the S3 suite must run against ${server.label} in CI (use scripts/test.sh)`,
      );
    }
    if (!installed(server)) spawnSync("bash", [join(scripts, "install.sh")], { stdio: "inherit" });
    if (!installed(server)) {
      console.warn(`\n!!! WARNING: ${server.label} is not installed and could not be installed; the S3 tests on it are SKIPPED !!!\n`);
      project.provide("s3Environment", null);
      return undefined;
    }
    const stateDir = mkdtempSync(join(tmpdir(), `stowage-${server.scripts}-vitest.`));
    rmdirSync(stateDir);
    execFileSync("bash", [join(scripts, "start.sh"), stateDir], { stdio: ["ignore", "ignore", "inherit"] });
    const values = Object.fromEntries(
      readFileSync(join(stateDir, "env"), "utf8")
        .split("\n")
        .filter((line) => line.includes("="))
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    project.provide("s3Environment", environmentFrom(server, values));
    return () => {
      spawnSync("bash", [join(scripts, "stop.sh"), stateDir], { stdio: "inherit" });
    };
  };
}
