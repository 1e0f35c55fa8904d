// Benchmarks for @stowage/s3 against Ceph RGW on loopback (built dist: run
// `pnpm --filter @stowage/sigv4 --filter @stowage/core --filter @stowage/s3 build`
// first, or `pnpm bench s3`). Uses the RGW named by S3_ENDPOINT (+ S3_BUCKET,
// S3_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); without it, starts one
// with scripts/ceph/start.sh and stops it at the end.
//
// 1. Presigned URLs per second: Storage.signGet / signPut (the fast SigV4 path
//    of @stowage/sigv4) against @aws-sdk/s3-request-presigner's getSignedUrl
//    on the same client, same key and options. Target: >= 20x.
// 2. put and get of 4 KiB and 1 MiB through Storage + s3Driver against the
//    same calls on the raw S3Client (PutObjectCommand with a Uint8Array;
//    GetObjectCommand + transformToByteArray). The two alternate call by
//    call so drift hits both; figures are medians. Target: driver <= 1.05x raw.
//    Note: a small GET takes ~44 ms on this RGW for both contenders: beast
//    runs without tcp_nodelay, so on a keep-alive connection the body waits
//    for a delayed ACK. `tcp_nodelay=1` on the frontend line cuts it to ~5 ms.
// 3. A 256 MiB stream of unknown length put through the driver in a child
//    process; its peak RSS (getrusage maxrss). Target: <= 150 MiB.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { createStorage } from "@stowage/core";
import { s3Driver } from "@stowage/s3";

const here = fileURLToPath(new URL(".", import.meta.url));
const cephScripts = join(here, "../../../scripts/ceph/");
const mebibyte = 1024 * 1024;

// ---- child mode: the 256 MiB streamed put -----------------------------------------
if (process.argv[2] === "--stream-child") {
  const environment = JSON.parse(process.argv[3]);
  const total = Number(process.argv[4]);
  const storage = createStorage(driverFor(environment));
  const before = process.memoryUsage().rss;
  let produced = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (produced >= total) return controller.close();
      const chunk = new Uint8Array(mebibyte);
      chunk.fill(produced / mebibyte);
      controller.enqueue(chunk);
      produced += mebibyte;
    },
  });
  const started = performance.now();
  const info = await storage.put("bench/stream-256.bin", body);
  const seconds = (performance.now() - started) / 1000;
  await storage.delete("bench/stream-256.bin");
  console.log(JSON.stringify({ size: info.size, etag: info.etag, seconds, rssBefore: before, peakRss: process.resourceUsage().maxRSS * 1024 }));
  process.exit(0);
}

function driverFor(environment) {
  return s3Driver({
    bucket: environment.bucket,
    region: environment.region,
    endpoint: environment.endpoint,
    credentials: { accessKeyId: environment.accessKeyId, secretAccessKey: environment.secretAccessKey },
    profile: "ceph-rgw",
  });
}

function startCluster() {
  if (process.env.S3_ENDPOINT) {
    const env = process.env;
    return {
      environment: {
        endpoint: env.S3_ENDPOINT,
        bucket: env.S3_BUCKET ?? "stowage-test",
        region: env.S3_REGION ?? "us-east-1",
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      },
      stop: () => {},
    };
  }
  const stateDir = mkdtempSync(join(tmpdir(), "stowage-ceph-bench."));
  rmdirSync(stateDir);
  execFileSync("bash", [join(cephScripts, "start.sh"), stateDir], { stdio: ["ignore", "ignore", "inherit"] });
  const values = Object.fromEntries(
    readFileSync(join(stateDir, "env"), "utf8")
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  return {
    environment: {
      endpoint: values.S3_ENDPOINT,
      bucket: values.S3_BUCKET,
      region: values.S3_REGION,
      accessKeyId: values.AWS_ACCESS_KEY_ID,
      secretAccessKey: values.AWS_SECRET_ACCESS_KEY,
    },
    stop: () => spawnSync("bash", [join(cephScripts, "stop.sh"), stateDir], { stdio: "inherit" }),
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Median microseconds per op for several contenders. Contenders alternate op
 * by op (in a rotating order), so load drift on this shared machine hits all
 * of them alike. Fast ops are timed in batches of `batch` calls.
 */
async function compare(contenders, { samples: count, batch = 1, warmup = 5 }) {
  const samples = contenders.map(() => []);
  for (const contender of contenders) for (let op = 0; op < warmup; op++) await contender.run(op);
  let op = 0;
  for (let sample = 0; sample < count; sample++) {
    for (let turn = 0; turn < contenders.length; turn++) {
      const index = (sample + turn) % contenders.length;
      const started = performance.now();
      for (let call = 0; call < batch; call++) await contenders[index].run(op++);
      samples[index].push(((performance.now() - started) * 1000) / batch);
    }
  }
  return samples.map(median);
}

const rows = [];
function row(workload, label, micros, baselineMicros, target) {
  rows.push({
    workload,
    contender: label,
    "µs/op": micros.toFixed(micros < 100 ? 2 : 0),
    "ops/s": Math.round(1e6 / micros).toLocaleString("en-US"),
    ratio: baselineMicros === undefined ? "baseline" : `${(micros / baselineMicros).toFixed(3)}x`,
    target: target ?? "",
  });
}

const cluster = startCluster();
try {
  const environment = cluster.environment;
  const driver = driverFor(environment);
  const storage = createStorage(driver);
  const client = driver.raw;
  const bucket = environment.bucket;

  // 1. presign
  const key = "bench/photos/2026/summer holiday/ü-😀 (1).jpg";
  const [sdkGet, fastGet, sdkPut, fastPut] = await compare(
    [
      { run: () => getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 300 }) },
      { run: () => storage.signGet(key, { expiresIn: 300 }) },
      {
        run: () =>
          getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: "image/jpeg" }), {
            expiresIn: 300,
            signableHeaders: new Set(["content-type"]),
          }),
      },
      { run: () => storage.signPut(key, { expiresIn: 300, contentType: "image/jpeg" }) },
    ],
    { samples: 60, batch: 50, warmup: 3000 },
  );
  row("presigned GET", "SDK getSignedUrl", sdkGet);
  row("presigned GET", "Storage.signGet (fast)", fastGet, sdkGet, "speed-up >= 20x");
  row("presigned PUT + content-type", "SDK getSignedUrl", sdkPut);
  row("presigned PUT + content-type", "Storage.signPut (fast)", fastPut, sdkPut, "speed-up >= 20x");
  const speedups = { get: sdkGet / fastGet, put: sdkPut / fastPut };

  // 2. put/get through the driver vs the raw client
  const ratios = {};
  for (const [label, size, count] of [
    ["4 KiB", 4096, 300],
    ["1 MiB", mebibyte, 120],
  ]) {
    const data = new Uint8Array(size).fill(7);
    const rawKey = `bench/raw-${size}`;
    const driverKey = `bench/driver-${size}`;
    const [rawPut, driverPut] = await compare(
      [
        { run: () => client.send(new PutObjectCommand({ Bucket: bucket, Key: rawKey, Body: data, ContentType: "application/octet-stream" })) },
        { run: () => storage.put(driverKey, data) },
      ],
      { samples: count },
    );
    const [rawGet, driverGet] = await compare(
      [
        {
          run: async () => {
            const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: rawKey }));
            return output.Body.transformToByteArray();
          },
        },
        { run: async () => (await storage.get(driverKey)).bytes() },
      ],
      { samples: count },
    );
    row(`put ${label}`, "raw S3Client", rawPut);
    row(`put ${label}`, "Storage + s3Driver", driverPut, rawPut, "<= 1.05x");
    row(`get ${label}`, "raw S3Client", rawGet);
    row(`get ${label}`, "Storage + s3Driver", driverGet, rawGet, "<= 1.05x");
    ratios[`put ${label}`] = driverPut / rawPut;
    ratios[`get ${label}`] = driverGet / rawGet;
    await storage.delete([rawKey, driverKey]);
  }

  // 3. 256 MiB streamed put in a child process
  const total = 256 * mebibyte;
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--stream-child", JSON.stringify(environment), String(total)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const streamed = JSON.parse(child.stdout.trim().split("\n").pop());

  console.table(rows);
  console.log(
    `256 MiB stream of unknown length: ${streamed.size === total ? "stored" : "WRONG SIZE"} as ${streamed.etag} in ${streamed.seconds.toFixed(1)} s ` +
      `(${(total / mebibyte / streamed.seconds).toFixed(0)} MiB/s); RSS before ${(streamed.rssBefore / mebibyte).toFixed(0)} MiB, ` +
      `peak ${(streamed.peakRss / mebibyte).toFixed(0)} MiB (target <= 150 MiB)`,
  );
  console.log(
    `Ratios: presign GET ${speedups.get.toFixed(1)}x faster, PUT ${speedups.put.toFixed(1)}x faster (target >= 20x); ` +
      Object.entries(ratios)
        .map(([name, ratio]) => `${name} ${ratio.toFixed(3)}x`)
        .join(", ") +
      " of raw (target <= 1.05x)",
  );
} finally {
  cluster.stop();
}
