// Benchmarks for @stowage/encryption over @stowage/fs (built dist: `pnpm
// bench encryption` builds first). Every ratio is against a baseline measured
// in this same run, on the same file system (the OS temp directory): the
// plain fs driver through Storage, with the same calls.
//
// 1. 512 MiB streamed put, then get, each contender in its own child process
//    (so peak RSS is its own), the contenders taking turns over rounds.
//    Plain: createStorage(fsDriver). Encrypted: createStorage(withEncryption(
//    fsDriver, { keyring })). Both put a web ReadableStream of 1 MiB chunks
//    with its size, then read get's body stream to the end. Targets: the
//    encrypted throughput >= 0.5x the plain one; the encrypted child's peak
//    RSS (VmHWM from /proc/self/status, read in the child) <= 100 MiB.
//    A third contender, "sketch" (not the layer), puts through the layer and
//    gets with up to 4 segments decrypting at once (see pipelinedDecrypt):
//    what pipelining would give the layer's get.
// 2. A 1-byte range read of a 1 GiB object: encrypted (through the layer)
//    vs plaintext (plain fs driver), the same random offset for both in each
//    round, the median latency over many reads. Targets: within 2x; the bytes
//    the inner driver returns (counted by a wrapper driver) <= 2 segments
//    (2 x 65,552 bytes) per read.
//
// Quick local runs: ENCRYPTION_BENCH_STREAM_MIB (default 512),
// ENCRYPTION_BENCH_RANGE_MIB (default 1024), ENCRYPTION_BENCH_ROUNDS (stream
// rounds, default 3), ENCRYPTION_BENCH_RANGE_READS (default 400).
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createStorage } from "@stowage/core";
import { decryptSegment, importDataKey, keyring, parseRecord, recordField, storedSegmentSize, unwrapDataKey, withEncryption } from "@stowage/encryption";
// @stowage/fs is not a dependency of this package: its built dist, by path
// (it resolves @stowage/core from its own package, the same files).
import { fsDriver } from "../../fs/dist/index.js";

const mib = 1024 * 1024;
const envNumber = (name, fallback) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const streamBytes = envNumber("ENCRYPTION_BENCH_STREAM_MIB", 512) * mib;
const rangeObjectBytes = envNumber("ENCRYPTION_BENCH_RANGE_MIB", 1024) * mib;
const streamRounds = envNumber("ENCRYPTION_BENCH_ROUNDS", 3);
const rangeReads = envNumber("ENCRYPTION_BENCH_RANGE_READS", 400);
const chunkBytes = mib;

// A fixed bench key (never a real one): 32 bytes.
const keys = keyring({ keys: [{ id: "bench", secret: new TextEncoder().encode("stowage encryption bench key 32b") }] });

/** Peak RSS of this process image in MiB (VmHWM; ru_maxrss would include a forked parent's). */
function peakRssMiB() {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"));
  if (!match) throw new Error("no VmHWM in /proc/self/status");
  return Number(match[1]) / 1024;
}

function storageFor(kind, root) {
  const driver = fsDriver({ root, cleanupOnStart: false });
  return createStorage(kind === "encrypted" ? withEncryption(driver, { keyring: keys }) : driver);
}

/** A web stream of `bytes` in 1 MiB chunks (each a fresh copy, as a source would give). */
function sourceStream(bytes, fill) {
  const chunk = new Uint8Array(chunkBytes).fill(fill);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const length = Math.min(chunkBytes, bytes - sent);
      sent += length;
      controller.enqueue(chunk.slice(0, length));
    },
  });
}

/**
 * A sketch, not the layer: a decrypt transform with up to `inFlight`
 * segments' AES-GCM calls running at once (crypto.subtle runs them on the
 * thread pool), their plaintexts passed on in order. It measures what
 * pipelining would give the layer's get; it reads a whole object only.
 */
function pipelinedDecrypt(dek, final, inFlight) {
  const pending = [];
  let buffer = new Uint8Array(storedSegmentSize);
  let filled = 0;
  let headerLeft = 8;
  let index = 0;
  const start = (sealed) => {
    const promise = decryptSegment(dek, index, index === final, sealed);
    promise.catch(() => {});
    pending.push(promise);
    index++;
  };
  return new TransformStream({
    async transform(chunk, controller) {
      let at = 0;
      if (headerLeft > 0) {
        const skip = Math.min(headerLeft, chunk.length);
        headerLeft -= skip;
        at = skip;
      }
      while (at < chunk.length) {
        const take = Math.min(storedSegmentSize - filled, chunk.length - at);
        buffer.set(chunk.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (filled === storedSegmentSize && index < final) {
          start(buffer);
          buffer = new Uint8Array(storedSegmentSize);
          filled = 0;
          while (pending.length >= inFlight) controller.enqueue(await pending.shift());
        }
      }
    },
    async flush(controller) {
      start(buffer.subarray(0, filled));
      while (pending.length > 0) controller.enqueue(await pending.shift());
    },
  });
}

/** The sketch's get: the record through the plain fs driver, then its body through pipelinedDecrypt. */
async function sketchGet(root, key) {
  const driver = fsDriver({ root, cleanupOnStart: false });
  const head = await driver.head(key, {});
  const dek = await importDataKey(await unwrapDataKey(keys, parseRecord(head.metadata[recordField], key), key));
  const final = Math.ceil((head.size - 8) / storedSegmentSize) - 1;
  const result = await driver.get(key, {});
  return result.body.pipeThrough(pipelinedDecrypt(dek, final, 4));
}

/** Resets VmHWM to the current RSS (Linux: "5" to /proc/self/clear_refs); false where that is refused. */
function resetPeakRss() {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/** The stream workload, in a child process: prints { putMs, getMs, peakRssMiB, putPeakMiB, getPeakMiB, startMiB }. */
async function streamChild(kind, root) {
  const storage = storageFor(kind === "sketch" ? "encrypted" : kind, root);
  const startMiB = peakRssMiB();
  let started = performance.now();
  await storage.put("stream/object", sourceStream(streamBytes, 0x5a), { size: streamBytes });
  const putMs = performance.now() - started;
  const putPeakMiB = peakRssMiB();
  const reset = resetPeakRss();
  started = performance.now();
  const body = kind === "sketch" ? await sketchGet(root, "stream/object") : (await storage.get("stream/object")).body;
  let read = 0;
  for await (const piece of body) read += piece.byteLength;
  const getMs = performance.now() - started;
  if (read !== streamBytes) throw new Error(`read ${read} bytes, expected ${streamBytes}`);
  const getPeakMiB = peakRssMiB();
  // The whole run's peak: the larger of the two phases (VmHWM was reset between them).
  process.stdout.write(JSON.stringify({ putMs, getMs, startMiB, putPeakMiB, getPeakMiB: reset ? getPeakMiB : undefined, peakRssMiB: Math.max(putPeakMiB, getPeakMiB) }));
}

function runStreamChild(kind, root) {
  const result = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "stream-child", kind, root], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (result.status !== 0) throw new Error(`stream child ${kind} failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

const median = (list) => [...list].sort((a, b) => a - b)[list.length >> 1];
const fmt = (ms) => (ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(0)} µs`);

function table(title, rows) {
  console.log(`\n${title}`);
  const widths = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, String(cell).length)));
  for (const row of rows) console.log(`  ${row.map((cell, index) => (index === 0 ? String(cell).padEnd(widths[index]) : String(cell).padStart(widths[index]))).join("  ")}`);
}

/** The fs driver, counting the body bytes its `get` returns (what the layer reads from the store). */
function countingDriver(driver) {
  const counter = { bytes: 0 };
  const countedGet = async (key, options) => {
    const result = await driver.get(key, options);
    if (result === null) return null;
    if (result.body instanceof Uint8Array) {
      counter.bytes += result.body.byteLength;
      return result;
    }
    const body = result.body.pipeThrough(
      new TransformStream({
        transform(chunk, controller) {
          counter.bytes += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    );
    return { ...result, body };
  };
  // Every other member is the driver's own (its methods bound to it).
  const counted = new Proxy(driver, {
    get(target, property) {
      if (property === "get") return countedGet;
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { driver: counted, counter };
}

async function main() {
  const base = await mkdtemp(join(tmpdir(), "stowage-encryption-bench-"));
  let failed = false;
  try {
    console.log(`@stowage/encryption benchmarks on Node ${process.version}, in ${base}`);

    // 1. Streamed put and get, contenders alternating over rounds.
    const samples = { plain: [], encrypted: [], sketch: [] };
    for (let round = 0; round < streamRounds; round++) {
      for (const kind of round % 2 === 0 ? ["plain", "encrypted", "sketch"] : ["sketch", "encrypted", "plain"]) {
        const root = join(base, `stream-${kind}`);
        samples[kind].push(runStreamChild(kind, root));
        await rm(root, { recursive: true, force: true });
      }
    }
    const summary = (kind, field) => median(samples[kind].map((sample) => sample[field]));
    const throughput = (ms) => streamBytes / mib / (ms / 1000);
    const putRatio = summary("plain", "putMs") / summary("encrypted", "putMs");
    const getRatio = summary("plain", "getMs") / summary("encrypted", "getMs");
    const maxOf = (kind, field) => {
      const values = samples[kind].map((sample) => sample[field]).filter((value) => typeof value === "number");
      return values.length === 0 ? "n/a" : Math.max(...values).toFixed(0);
    };
    const peakEncrypted = Math.max(...samples.encrypted.map((sample) => sample.peakRssMiB));
    const peakPlain = Math.max(...samples.plain.map((sample) => sample.peakRssMiB));
    table(`${streamBytes / mib} MiB streamed, ${streamRounds} rounds (child processes; medians, MiB/s, higher is better)`, [
      ["workload", "plain fs", "encrypted", "ratio", "target"],
      ["streamed put", throughput(summary("plain", "putMs")).toFixed(0), throughput(summary("encrypted", "putMs")).toFixed(0), `${putRatio.toFixed(2)}x`, ">= 0.5x"],
      ["streamed get", throughput(summary("plain", "getMs")).toFixed(0), throughput(summary("encrypted", "getMs")).toFixed(0), `${getRatio.toFixed(2)}x`, ">= 0.5x"],
      [
        "sketch: get, 4 segments in flight",
        throughput(summary("plain", "getMs")).toFixed(0),
        throughput(summary("sketch", "getMs")).toFixed(0),
        `${(summary("plain", "getMs") / summary("sketch", "getMs")).toFixed(2)}x`,
        `(peak ${maxOf("sketch", "getPeakMiB")} MiB)`,
      ],
      ["peak RSS, max of rounds (MiB)", peakPlain.toFixed(0), peakEncrypted.toFixed(0), "", "<= 100 (encrypted)"],
      ["  of which put phase, max", maxOf("plain", "putPeakMiB"), maxOf("encrypted", "putPeakMiB"), "", ""],
      ["  of which get phase, max", maxOf("plain", "getPeakMiB"), maxOf("encrypted", "getPeakMiB"), "", ""],
      ["  RSS before the put (imports)", maxOf("plain", "startMiB"), maxOf("encrypted", "startMiB"), "", ""],
    ]);
    if (putRatio < 0.5 || getRatio < 0.5 || peakEncrypted > 100) failed = true;

    // 2. 1-byte ranges of a 1 GiB object.
    const plainRoot = join(base, "range-plain");
    const encryptedRoot = join(base, "range-encrypted");
    await storageFor("plain", plainRoot).put("big", sourceStream(rangeObjectBytes, 0x33), { size: rangeObjectBytes });
    const { driver: countedFs, counter } = countingDriver(fsDriver({ root: encryptedRoot, cleanupOnStart: false }));
    const encrypted = createStorage(withEncryption(countedFs, { keyring: keys }));
    await encrypted.put("big", sourceStream(rangeObjectBytes, 0x33), { size: rangeObjectBytes });
    const plain = storageFor("plain", plainRoot);

    const readOne = async (storage, offset) => {
      const object = await storage.get("big", { range: { offset, length: 1 } });
      const bytes = await object.bytes();
      if (bytes.length !== 1 || bytes[0] !== 0x33) throw new Error(`range at ${offset}: wrong bytes`);
    };
    // The I/O floor of the layer's design, on the plain object: a head, then
    // one ranged get of a whole stored segment's length (65,552 bytes), no
    // crypto. The layer's latency over this is its crypto (data-key unwrap
    // and import, one segment's AES-GCM) and stream plumbing.
    const plainDriver = fsDriver({ root: plainRoot, cleanupOnStart: false });
    const floorOne = async (offset) => {
      const start = Math.min(offset, rangeObjectBytes - storedSegmentSize);
      await plainDriver.head("big", {});
      const result = await plainDriver.get("big", { range: { offset: start, length: storedSegmentSize } });
      let read = 0;
      if (result.body instanceof Uint8Array) read = result.body.byteLength;
      else for await (const piece of result.body) read += piece.byteLength;
      if (read !== storedSegmentSize) throw new Error(`floor read ${read} bytes`);
    };
    const latencies = { plain: [], encrypted: [], floor: [] };
    let maxInner = 0;
    let totalInner = 0;
    // A fixed sequence of offsets (a simple LCG), the same for both; a few
    // warm-up reads first, then the contenders take turns on each offset.
    let seed = 12345;
    const nextOffset = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * rangeObjectBytes);
    };
    for (let round = -20; round < rangeReads; round++) {
      const offset = round === 0 ? rangeObjectBytes - 1 : nextOffset(); // the last byte once
      for (const kind of round % 2 === 0 ? ["plain", "encrypted", "floor"] : ["floor", "encrypted", "plain"]) {
        const before = counter.bytes;
        const started = performance.now();
        if (kind === "floor") await floorOne(offset);
        else await readOne(kind === "plain" ? plain : encrypted, offset);
        const elapsed = performance.now() - started;
        if (round < 0) continue;
        latencies[kind].push(elapsed);
        if (kind === "encrypted") {
          const inner = counter.bytes - before;
          maxInner = Math.max(maxInner, inner);
          totalInner += inner;
        }
      }
    }
    const plainMedian = median(latencies.plain);
    const encryptedMedian = median(latencies.encrypted);
    const rangeRatio = encryptedMedian / plainMedian;
    const segmentLimit = 2 * storedSegmentSize;
    table(`1-byte range of a ${rangeObjectBytes / mib} MiB object, ${rangeReads} reads each (medians; lower is better)`, [
      ["workload", "plain fs", "encrypted", "ratio", "target"],
      ["1-byte range latency", fmt(plainMedian), fmt(encryptedMedian), `${rangeRatio.toFixed(2)}x`, "<= 2x"],
      ["reference: plain head + 65,552-byte get", fmt(plainMedian), fmt(median(latencies.floor)), `${(median(latencies.floor) / plainMedian).toFixed(2)}x`, "(I/O floor)"],
      ["inner bytes read per range, max", "1", String(maxInner), `${(maxInner / storedSegmentSize).toFixed(2)} seg`, `<= ${segmentLimit} (2 seg)`],
      ["inner bytes read per range, mean", "1", (totalInner / rangeReads).toFixed(0), "", ""],
    ]);
    if (rangeRatio > 2 || maxInner > segmentLimit) failed = true;
    console.log(`\npeak RSS of this process: ${peakRssMiB().toFixed(0)} MiB`);
    console.log(failed ? "some target missed" : "all targets met");
  } catch (error) {
    console.error(error);
    failed = true;
  } finally {
    await rm(base, { recursive: true, force: true, maxRetries: 5 });
  }
  if (failed) process.exitCode = 1;
}

if (process.argv[2] === "stream-child") await streamChild(process.argv[3], process.argv[4]);
else await main();
