// CLI benches of issue 17 against Ceph RGW on loopback (S3_ENDPOINT etc., or
// a cluster started with scripts/ceph/start.sh through the s3 package's
// bench-servers.mjs; skipped, saying why, when none can run). `pnpm bench cli`
// builds first; alone: `pnpm --filter @stowage/cli... build`, then
// `node packages/cli/bench/cli.bench.mjs`.
//
// 1. `stowage cp -r` of 1,000 files of 64 KiB from a local directory to a
//    prefix, against `aws s3 cp --recursive` of the same directory (the AWS
//    CLI from Debian or pip; its defaults: 10 requests at once). Target:
//    stowage's time <= 1.2x aws's.
// 2. `stowage cp` of one 1 GiB file against `aws s3 cp` of it. Targets:
//    stowage's throughput >= aws's, and its peak RSS <= 200 MiB.
//
// Each run is the whole process (`node dist/cli.js …` / `aws …`), timed from
// spawn to exit, with its peak RSS from /usr/bin/time -v (Maximum resident
// set size). Contenders alternate round by round in a rotating order
// (STOWAGE_BENCH_ROUNDS, default 3; STOWAGE_BENCH_LARGE_ROUNDS for the 1 GiB
// file, default 3; STOWAGE_BENCH_LARGE_MIB sets its size); figures are
// medians. Between runs (untimed) the objects written are deleted and RGW's
// garbage collector runs: the test cluster's memstore OSD holds 2 GiB.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createStorage } from "@stowage/core";
import { alternate, benchDriver, collectRgwGarbage, median, startServer } from "../../s3/bench/bench-servers.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const cli = join(here, "../dist/cli.js");
const mebibyte = 1024 * 1024;
const rounds = Number(process.env.STOWAGE_BENCH_ROUNDS ?? 3);
const largeRounds = Number(process.env.STOWAGE_BENCH_LARGE_ROUNDS ?? 3);
const largeSize = Number(process.env.STOWAGE_BENCH_LARGE_MIB ?? 1024) * mebibyte;
const smallFiles = 1000;
const smallSize = 64 * 1024;

if (!existsSync(cli)) {
  console.log(`skipped: ${cli} is not built (run \`pnpm bench cli\`, which builds first)`);
  process.exit(0);
}
const awsVersion = spawnSync("aws", ["--version"], { encoding: "utf8" });
if (awsVersion.status !== 0) {
  console.log("skipped: the AWS CLI (`aws`) is not installed (apt-get install awscli): it is the baseline");
  process.exit(0);
}
const timeBinary = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

const server = startServer("ceph-rgw");
if (server.environment === null) {
  console.log(`skipped: ${server.reason}`);
  process.exit(0);
}
const environment = server.environment;
const storage = createStorage(benchDriver(environment));
const url = `s3://${environment.bucket}?endpoint=${environment.endpoint}&forcePathStyle=true&region=${environment.region}`;
const childEnv = {
  ...process.env,
  AWS_ACCESS_KEY_ID: environment.accessKeyId,
  AWS_SECRET_ACCESS_KEY: environment.secretAccessKey,
  AWS_DEFAULT_REGION: environment.region,
  AWS_REGION: environment.region,
  // The SDK's Node 20 notice is not part of the work measured.
  NODE_NO_WARNINGS: "1",
};

/** Runs a command to its end: `{ ms, rssMiB }`; fails loudly on a non-zero exit. */
function timed(command, args, cwd) {
  return new Promise((resolve, reject) => {
    const argv = timeBinary === undefined ? [command, ...args] : [timeBinary, "-v", command, ...args];
    const started = performance.now();
    const child = spawn(argv[0], argv.slice(1), { cwd, env: childEnv, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (data) => (stderr += data));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - started;
      if (code !== 0) return reject(new Error(`${command} ${args.join(" ")} exited with ${code}:\n${stderr.slice(-2000)}`));
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      resolve({ ms, rssMiB: rss === null ? undefined : Number(rss[1]) / 1024 });
    });
  });
}

async function cleanPrefix(prefix) {
  await storage.deletePrefix(prefix);
  collectRgwGarbage(environment);
}

function seconds(ms) {
  return (ms / 1000).toFixed(2);
}

function report(title, contenders, samples, bytes) {
  console.log(`\n${title} (${samples[0].length} rounds, medians)`);
  const rows = contenders.map((contender, index) => {
    const ms = median(samples[index].map((sample) => sample.ms));
    const rss = samples[index].map((sample) => sample.rssMiB).filter((value) => value !== undefined);
    return { name: contender.name, ms, rss: rss.length === 0 ? undefined : median(rss), peak: rss.length === 0 ? undefined : Math.max(...rss) };
  });
  for (const row of rows) {
    const spread = samples[contenders.findIndex((c) => c.name === row.name)].map((s) => seconds(s.ms)).join(", ");
    console.log(
      `  ${row.name.padEnd(9)} ${seconds(row.ms).padStart(7)} s  ${((bytes / mebibyte) / (row.ms / 1000)).toFixed(1).padStart(7)} MiB/s  ` +
        `RSS ${row.rss === undefined ? "n/a" : `${row.rss.toFixed(0)} MiB (max ${row.peak.toFixed(0)})`}  [${spread}]`,
    );
  }
  return rows;
}

const work = mkdtempSync(join(tmpdir(), "stowage-cli-bench-"));
try {
  console.log(`server: ${environment.label} at ${environment.endpoint}; ${awsVersion.stdout.trim() || awsVersion.stderr.trim()}`);

  // 1. 1,000 x 64 KiB.
  const tree = join(work, "tree");
  for (let i = 0; i < smallFiles; i++) {
    const dir = join(tree, `d${i % 10}`);
    if (i < 10) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${String(i).padStart(4, "0")}.bin`), randomBytes(smallSize));
  }
  const small = [
    { name: "stowage", prefix: "bench-cli/stowage-tree/", run: () => timed(process.execPath, [cli, "cp", "-r", tree, `${url}#bench-cli/stowage-tree/`], work) },
    {
      name: "aws",
      prefix: "bench-cli/aws-tree/",
      run: () => timed("aws", ["s3", "cp", "--recursive", "--only-show-errors", "--endpoint-url", environment.endpoint, tree, `s3://${environment.bucket}/bench-cli/aws-tree/`], work),
    },
  ];
  const smallSamples = await timedRounds(small, rounds);
  const smallRows = report(`cp -r of ${smallFiles} x 64 KiB, fs -> RGW`, small, smallSamples, smallFiles * smallSize);
  const smallRatio = smallRows[0].ms / smallRows[1].ms;
  console.log(`  stowage / aws time: ${smallRatio.toFixed(2)}x (target <= 1.2x: ${smallRatio <= 1.2 ? "met" : "NOT met"})`);
  rmSync(tree, { recursive: true, force: true });

  // 2. One large file.
  const large = join(work, "large.bin");
  const fd = openSync(large, "w");
  const block = randomBytes(8 * mebibyte);
  for (let written = 0; written < largeSize; written += block.byteLength) writeSync(fd, block, 0, Math.min(block.byteLength, largeSize - written));
  closeSync(fd);
  const big = [
    { name: "stowage", prefix: "bench-cli/stowage-large", run: () => timed(process.execPath, [cli, "cp", large, `${url}#bench-cli/stowage-large`], work) },
    {
      name: "aws",
      prefix: "bench-cli/aws-large",
      run: () => timed("aws", ["s3", "cp", "--only-show-errors", "--endpoint-url", environment.endpoint, large, `s3://${environment.bucket}/bench-cli/aws-large`], work),
    },
  ];
  const bigSamples = await timedRounds(big, largeRounds);
  const bigRows = report(`cp of one ${largeSize / mebibyte} MiB file, fs -> RGW`, big, bigSamples, largeSize);
  const throughput = bigRows[1].ms / bigRows[0].ms;
  console.log(`  stowage / aws throughput: ${throughput.toFixed(2)}x (target >= 1: ${throughput >= 1 ? "met" : "NOT met"})`);
  if (bigRows[0].peak !== undefined) {
    console.log(`  stowage peak RSS: ${bigRows[0].peak.toFixed(0)} MiB (target <= 200 MiB: ${bigRows[0].peak <= 200 ? "met" : "NOT met"})`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  server.stop();
}

/** Alternates the contenders; each run starts with its prefix empty and is cleaned after (untimed). */
async function timedRounds(contenders, count) {
  const results = contenders.map(() => []);
  for (const contender of contenders) await cleanPrefix(contender.prefix);
  await alternate(
    contenders.map((contender, index) => ({
      ...contender,
      run: async () => results[index].push(await contender.run()),
    })),
    count,
    { after: (contender) => cleanPrefix(contender.prefix) },
  );
  return results;
}
