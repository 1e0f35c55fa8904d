// Shared by the s3 benches (not a bench itself: no .bench.mjs suffix).
// Servers come from the environment the test scripts export; without it a
// bench starts one with scripts/<ceph|swift>/start.sh and stops it at the end,
// like s3.bench.mjs. A server that cannot be started is skipped, saying why.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { s3Driver } from "@stowage/s3";

const here = fileURLToPath(new URL(".", import.meta.url));

const servers = {
  "ceph-rgw": {
    label: "Ceph RGW",
    scripts: "ceph",
    variables: { endpoint: "S3_ENDPOINT", bucket: "S3_BUCKET", region: "S3_REGION", accessKeyId: "AWS_ACCESS_KEY_ID", secretAccessKey: "AWS_SECRET_ACCESS_KEY" },
  },
  swift: {
    label: "OpenStack Swift",
    scripts: "swift",
    variables: {
      endpoint: "SWIFT_S3_ENDPOINT",
      bucket: "SWIFT_S3_BUCKET",
      region: "SWIFT_S3_REGION",
      accessKeyId: "SWIFT_S3_ACCESS_KEY_ID",
      secretAccessKey: "SWIFT_S3_SECRET_ACCESS_KEY",
    },
  },
};

function environmentFrom(profile, values) {
  const v = servers[profile].variables;
  if (!values[v.endpoint]) return null;
  return {
    profile,
    label: servers[profile].label,
    endpoint: values[v.endpoint],
    bucket: values[v.bucket] ?? "stowage-test",
    region: values[v.region] ?? "us-east-1",
    accessKeyId: values[v.accessKeyId],
    secretAccessKey: values[v.secretAccessKey],
    stateDir: profile === "ceph-rgw" ? values.CEPH_STATE_DIR : values.SWIFT_STATE_DIR,
  };
}

/**
 * Ceph RGW keeps a deleted or overwritten object's data until its garbage
 * collector runs (two hours by default), and the test cluster's memstore
 * OSD holds 2 GiB: a bench that rewrites large objects must collect between
 * rounds or the OSD fills up (and every write hangs). Runs
 * `radosgw-admin gc process --include-all` on the cluster's state dir; a
 * no-op (returning false) where that is not available. Its admin socket
 * goes in the state dir: radosgw-admin unlinks the socket path on exit, so
 * `/dev/null` there deleted the machine's /dev/null.
 */
export function collectRgwGarbage(environment) {
  if (environment.profile !== "ceph-rgw" || !environment.stateDir) return false;
  const result = spawnSync(
    "radosgw-admin",
    ["-c", join(environment.stateDir, "ceph.conf"), "-n", "client.rgw.gw", "--admin-socket", join(environment.stateDir, "gc-admin.asok"), "gc", "process", "--include-all"],
    { stdio: "ignore", timeout: 120_000 },
  );
  return result.status === 0;
}

/** `{ environment, stop }` for the server, or `{ environment: null, reason }` when it cannot run here. */
export function startServer(profile) {
  const existing = environmentFrom(profile, process.env);
  if (existing !== null) return { environment: existing, stop: () => {} };
  const scripts = join(here, `../../../scripts/${servers[profile].scripts}/`);
  const stateDir = mkdtempSync(join(tmpdir(), `stowage-${servers[profile].scripts}-bench.`));
  rmdirSync(stateDir);
  try {
    execFileSync("bash", [join(scripts, "start.sh"), stateDir], { stdio: ["ignore", "ignore", "inherit"] });
  } catch (error) {
    return { environment: null, reason: `${servers[profile].label} could not be started (${error.message.split("\n")[0]})`, stop: () => {} };
  }
  const values = Object.fromEntries(
    readFileSync(join(stateDir, "env"), "utf8")
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  return { environment: { ...environmentFrom(profile, values), stateDir }, stop: () => spawnSync("bash", [join(scripts, "stop.sh"), stateDir], { stdio: "inherit" }) };
}

/** A driver for a bench server, with its profile. */
export function benchDriver(environment, extra = {}) {
  return s3Driver({
    bucket: environment.bucket,
    region: environment.region,
    endpoint: environment.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: environment.accessKeyId, secretAccessKey: environment.secretAccessKey },
    profile: environment.profile,
    ...extra,
  });
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Runs each contender `rounds` times, alternating them round by round in a
 * rotating order, and returns each one's samples (milliseconds per run).
 * `before`, `after` and `afterRound` run untimed.
 */
export async function alternate(contenders, rounds, { before, after, afterRound } = {}) {
  const samples = contenders.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let turn = 0; turn < contenders.length; turn++) {
      const index = (round + turn) % contenders.length;
      await before?.(contenders[index], round);
      const started = performance.now();
      await contenders[index].run(round);
      samples[index].push(performance.now() - started);
      await after?.(contenders[index], round);
    }
    await afterRound?.(round);
  }
  return samples;
}
