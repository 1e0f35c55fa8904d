// Upload benches of issue 14 against Ceph RGW on loopback (S3_ENDPOINT etc.,
// or a cluster started with scripts/ceph/start.sh via bench-servers.mjs;
// skipped, saying why, when none can run). Build first:
// `pnpm --filter @stowage/core build && pnpm --filter @stowage/sigv4 build && pnpm --filter @stowage/s3 build`,
// then `node --expose-gc packages/s3/bench/uploads.bench.mjs`.
//
// 1. Browser-style: a file of STOWAGE_BENCH_MIB MiB (default 1024) on disk,
//    opened as a file-backed Blob (fs.openAsBlob, like a browser's File), sent
//    with Node's fetch either
//      - as ONE signed PUT (`storage.signPut` with the exact size; baseline), or
//      - through an upload session (`storage.uploads`: create with the size
//        and 8 MiB parts, signParts in batches of 100, the part PUTs 4 at a
//        time from Blob slices, complete with the ETags the PUTs answered).
//    Timed end to end (create, sign and complete included). Target: parts
//    >= 3x the single PUT's throughput.
// 2. Server-side: `storage.put(key, stream)` of a generated ReadableStream of
//    unknown length (1 MiB chunks, never all in memory) against
//    @aws-sdk/lib-storage `Upload` of the same stream, both with 8 MiB parts,
//    4 at a time, over the same S3Client config (the bench driver's client).
//    Each run is its own child process (upload-child.mjs), so peak RSS (its
//    VmHWM) is each contender's alone. Target: time <= 1.1x Upload's; our
//    RSS <= 150 MiB. Each child also reports where its time went (before the
//    first part, parts in flight, after the last part, HEADs).
//
// Contenders alternate round by round in a rotating order (STOWAGE_BENCH_ROUNDS,
// default 3, after one warm-up each of 64 MiB); figures are medians. CPU seconds
// of the client, radosgw and ceph-osd are read per run (from /proc for the
// daemons of a cluster this bench started) to show where the time goes.
// The test cluster's memstore OSD holds 2 GiB and RGW keeps deleted data until
// its garbage collector runs, so after every run the object is deleted and
// `radosgw-admin gc process --include-all` runs (untimed): at most one object
// of the bench's size is stored at a time.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openAsBlob, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createStorage } from "@stowage/core";
import { alternate, benchDriver, collectRgwGarbage, median, startServer } from "./bench-servers.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const mebibyte = 1024 * 1024;
const partSize = 8 * mebibyte;
const concurrency = 4;
const warmupSize = 64 * mebibyte;
const contentType = "application/octet-stream";

/** "min-max" of samples in seconds. */
function spread(seconds) {
  return `${Math.min(...seconds).toFixed(2)}-${Math.max(...seconds).toFixed(2)}`;
}

function mib(bytes) {
  return bytes / mebibyte;
}

/** CPU seconds (user + system) of a process, from /proc; undefined when unreadable. */
function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}
const clockTicks = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** The daemons of a cluster this bench started: `{ radosgw, osd }` pids (empty when not ours). */
function daemonPids(environment) {
  const run = environment.stateDir === undefined ? undefined : join(environment.stateDir, "run");
  if (run === undefined || !existsSync(run)) return {};
  const pids = {};
  for (const name of readdirSync(run)) {
    if (!name.endsWith(".pid")) continue;
    const pid = readFileSync(join(run, name), "utf8").trim();
    if (name.startsWith("client.rgw")) pids.radosgw = pid;
    else if (name.startsWith("osd")) pids.osd = pid;
  }
  return pids;
}

/** Wraps `run` so each call records CPU seconds of the client and daemons in `cpu[label]`. */
function withCpu(pids, cpu, label, run, clientCpu) {
  return async (round) => {
    const before = { radosgw: processCpuSeconds(pids.radosgw), osd: processCpuSeconds(pids.osd), client: process.cpuUsage() };
    const result = await run(round);
    const own = process.cpuUsage(before.client);
    const sample = {
      client: clientCpu?.() ?? (own.user + own.system) / 1e6,
      radosgw: before.radosgw === undefined ? undefined : processCpuSeconds(pids.radosgw) - before.radosgw,
      osd: before.osd === undefined ? undefined : processCpuSeconds(pids.osd) - before.osd,
    };
    (cpu[label] ??= []).push(sample);
    return result;
  };
}

function cpuColumn(samples) {
  if (samples === undefined) return "";
  const part = (field) => {
    const values = samples.map((s) => s[field]).filter((v) => v !== undefined);
    return values.length === 0 ? "?" : median(values).toFixed(1);
  };
  return `client ${part("client")} / rgw ${part("radosgw")} / osd ${part("osd")}`;
}

/** Writes a file of `size` bytes (8 MiB blocks of varying content) and returns its path. */
function writeBenchFile(directory, size, name) {
  const path = join(directory, name);
  const fd = openSync(path, "w");
  const block = Buffer.alloc(8 * mebibyte);
  for (let offset = 0, index = 0; offset < size; offset += block.length, index++) {
    block.fill(index % 251);
    writeSync(fd, block, 0, Math.min(block.length, size - offset));
  }
  closeSync(fd);
  return path;
}

async function checkedPut(url, init) {
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`PUT answered ${response.status}: ${text.slice(0, 300)}`);
  return response;
}

/** One signed PUT of the whole blob. */
async function singlePut(storage, key, blob) {
  const signed = await storage.signPut(key, { size: blob.size, contentType, expiresIn: 3600 });
  await checkedPut(signed.url, { method: signed.method, headers: signed.headers, body: blob });
}

/** An upload session: create, sign in batches of 100, `concurrency` part PUTs at a time, complete. */
async function partsPut(storage, key, blob) {
  const session = await storage.uploads.create(key, { size: blob.size, partSize, contentType, expiresIn: 3600 });
  const numbers = Array.from({ length: session.partCount }, (_, index) => index + 1);
  const signed = new Map();
  for (let start = 0; start < numbers.length; start += 100) {
    const batch = numbers.slice(start, start + 100);
    const requests = await storage.uploads.signParts(session, batch, { expiresIn: 3600 });
    batch.forEach((number, index) => signed.set(number, requests[index]));
  }
  const parts = [];
  let next = 0;
  const worker = async () => {
    while (next < numbers.length) {
      const number = numbers[next++];
      const request = signed.get(number);
      const start = (number - 1) * session.partSize;
      const body = blob.slice(start, Math.min(blob.size, start + session.partSize));
      const response = await checkedPut(request.url, { method: request.method, headers: request.headers, body });
      parts.push({ partNumber: number, etag: response.headers.get("etag") });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  parts.sort((a, b) => a.partNumber - b.partNumber);
  await storage.uploads.complete(session, parts);
}

/** Runs one workload-2 upload in a child process and resolves with its figures. */
function runChild(which, environment, size, key) {
  const args = ["--expose-gc", join(here, "upload-child.mjs"), which, JSON.stringify(environment), String(size), key];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (text) => (output += text));
    child.on("error", reject);
    child.on("close", (status, signal) => {
      if (status !== 0) reject(new Error(`${which} child failed (status ${status}, signal ${signal})`));
      else resolve(JSON.parse(output.trim().split("\n").pop()));
    });
  });
}

const size = Number(process.env.STOWAGE_BENCH_MIB ?? 1024) * mebibyte;
const rounds = Number(process.env.STOWAGE_BENCH_ROUNDS ?? 3);
if (!(size >= partSize) || !Number.isInteger(rounds) || rounds < 1) {
  console.error("STOWAGE_BENCH_MIB must be at least 8, STOWAGE_BENCH_ROUNDS a positive integer");
  process.exit(1);
}

const server = startServer("ceph-rgw");
if (server.environment === null) {
  console.log(`uploads bench SKIPPED: ${server.reason}`);
  process.exit(0);
}
const scratch = mkdtempSync(join(tmpdir(), "stowage-uploads-bench."));
try {
  const environment = server.environment;
  const driver = benchDriver(environment, { partSize, queueSize: concurrency });
  const storage = createStorage(driver);
  const pids = daemonPids(environment);
  const prefix = `bench/uploads-${Date.now().toString(36)}/`;
  let collected = true;
  const cleanUp = async (key) => {
    await storage.delete(key);
    collected = collectRgwGarbage(environment) && collected;
    globalThis.gc?.();
  };
  const verify = async (key, expected) => {
    const head = await storage.head(key);
    if (head?.size !== expected) throw new Error(`${key} has ${head?.size} bytes, not ${expected}`);
  };
  const rows = [];
  const cpu = {};

  // ---- 1. browser-style: signed part URLs vs one signed PUT -----------------------------
  const blobs = {
    warmup: await openAsBlob(writeBenchFile(scratch, warmupSize, "warmup.bin")),
    full: await openAsBlob(writeBenchFile(scratch, size, "full.bin")),
  };
  const browser = [
    { label: "one signed PUT (fetch)", key: `${prefix}single`, put: singlePut },
    { label: `signed parts: uploads session, ${mib(partSize)} MiB x ${concurrency} (fetch)`, key: `${prefix}parts`, put: partsPut },
  ];
  let blob = blobs.warmup;
  for (const contender of browser) {
    contender.run = withCpu(pids, cpu, contender.label, () => contender.put(storage, contender.key, blob));
  }
  const hooks = {
    after: async (contender) => {
      await verify(contender.key, blob.size);
      await cleanUp(contender.key);
    },
  };
  await alternate(browser, 1, hooks);
  for (const contender of browser) cpu[contender.label] = [];
  blob = blobs.full;
  const browserSamples = await alternate(browser, rounds, hooks);
  const singleMs = median(browserSamples[0]);
  browser.forEach((contender, index) => {
    const ms = median(browserSamples[index]);
    rows.push({
      workload: `1. browser-style, ${mib(size)} MiB`,
      contender: contender.label,
      "median s": (ms / 1000).toFixed(2),
      "range s": spread(browserSamples[index].map((sample) => sample / 1000)),
      "MiB/s": (mib(size) / (ms / 1000)).toFixed(0),
      ratio: index === 0 ? "baseline" : `${(singleMs / ms).toFixed(2)}x throughput`,
      "CPU s (median)": cpuColumn(cpu[contender.label]),
      "peak RSS MiB": "",
      target: index === 0 ? "" : ">= 3x throughput",
    });
  });
  rmSync(join(scratch, "full.bin"));

  // ---- 2. server-side: storage.put(stream) vs lib-storage Upload, in child processes ----
  const children = {};
  const server2 = [
    { which: "sdk", label: `@aws-sdk/lib-storage Upload (${mib(partSize)} MiB x ${concurrency})`, key: `${prefix}upload` },
    { which: "ours", label: `storage.put(stream) (${mib(partSize)} MiB x ${concurrency})`, key: `${prefix}put` },
  ];
  let streamSize = warmupSize;
  for (const contender of server2) {
    contender.run = withCpu(pids, cpu, contender.label, async () => {
      const figures = await runChild(contender.which, environment, streamSize, contender.key);
      if (streamSize === size) (children[contender.which] ??= []).push(figures);
      return figures;
    }, () => children[contender.which]?.at(-1)?.cpuSeconds);
  }
  const streamHooks = {
    after: async (contender) => {
      await verify(contender.key, streamSize);
      await cleanUp(contender.key);
    },
  };
  await alternate(server2, 1, streamHooks);
  for (const contender of server2) cpu[contender.label] = [];
  streamSize = size;
  const streamSamples = await alternate(server2, rounds, streamHooks);
  // Child process time (its own start-up included) is timed from the parent; the
  // child's own upload time is what is compared.
  const uploadSeconds = (which) => median(children[which].map((figures) => figures.seconds));
  const sdkSeconds = uploadSeconds("sdk");
  server2.forEach((contender) => {
    const seconds = uploadSeconds(contender.which);
    const peak = Math.max(...children[contender.which].map((figures) => figures.peakRss));
    rows.push({
      workload: `2. server-side stream, ${mib(size)} MiB`,
      contender: contender.label,
      "median s": seconds.toFixed(2),
      "range s": spread(children[contender.which].map((figures) => figures.seconds)),
      "MiB/s": (mib(size) / seconds).toFixed(0),
      ratio: contender.which === "sdk" ? "baseline" : `${(seconds / sdkSeconds).toFixed(3)}x time`,
      "CPU s (median)": cpuColumn(cpu[contender.label]),
      "peak RSS MiB": mib(peak).toFixed(0),
      target: contender.which === "ours" ? "<= 1.1x time; RSS <= 150 MiB" : "",
    });
  });
  void streamSamples;

  console.table(rows);
  console.log(
    `${mib(size)} MiB per upload, ${rounds} alternating rounds after a ${mib(warmupSize)} MiB warm-up each, on ${environment.label} (${environment.endpoint}); ` +
      `${(await import("node:os")).cpus().length} cores, load average ${(await import("node:os")).loadavg().map((l) => l.toFixed(2)).join(" ")} at the end`,
  );
  console.log("CPU s: seconds of CPU per run (user + system) of the client process, radosgw and ceph-osd; '?' where the daemons are not this bench's own");
  console.log("peak RSS: the largest VmHWM over the rounds, each run in its own child process");
  for (const contender of server2) {
    const list = children[contender.which].map((figures) => figures.phases);
    const at = (field, digits = 0) => median(list.map((phase) => phase[field])).toFixed(digits);
    console.log(
      `${contender.label}: ${at("beforeFirstPartMs")} ms before the first part was sent, ${at("parts")} parts in ${at("partPhaseMs")} ms ` +
        `(mean ${at("meanPartsInFlight", 2)} in flight, ${at("meanPartMs")} ms each), ${at("afterLastPartMs")} ms after the last part answered ` +
        `(${at("heads")} HEAD); medians; peak RSS per round ${children[contender.which].map((f) => mib(f.peakRss).toFixed(0)).join(", ")} MiB`,
    );
  }
  const ours = children.ours;
  console.log(
    `Ratios: signed parts ${(singleMs / median(browserSamples[1])).toFixed(2)}x the single PUT's throughput (target >= 3x); ` +
      `storage.put ${(uploadSeconds("ours") / sdkSeconds).toFixed(3)}x Upload's time (target <= 1.1x), ` +
      `peak RSS ${mib(Math.max(...ours.map((f) => f.peakRss))).toFixed(0)} MiB vs Upload's ${mib(Math.max(...children.sdk.map((f) => f.peakRss))).toFixed(0)} MiB (target <= 150 MiB)`,
  );
  if (!collected) console.log("note: radosgw-admin gc did not run (or failed): RGW's garbage collector may not have freed the deleted objects");
  driver.raw.destroy();
} finally {
  rmSync(scratch, { recursive: true, force: true });
  server.stop();
}
