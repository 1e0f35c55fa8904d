// Benchmarks for @stowage/fs through @stowage/core (built dist: run
// `pnpm --filter @stowage/core --filter @stowage/fs build` first, or
// `pnpm bench fs`). Every ratio is against a baseline measured in this same
// run, on the same file system (the OS temp directory). Every Stowage
// figure includes the confinement: each directory level of a key is opened
// inside its open parent and every name is resolved through
// /proc/<pid>/fd/<directory>/ (see the README, "No escape from root").
//
// 1. put 5,000 x 4 KiB at concurrency 16. Baseline: fs.promises.writeFile
//    into one existing directory. Stowage: Storage.put (validation, version
//    token etag, header with metadata, temporary file + rename). Target <= 1.5x.
// 2. get 100 x 1 MiB at concurrency 16. Baseline: fs.promises.readFile.
//    Stowage: (await Storage.get(key)).bytes(). Target <= 1.2x.
// 3. 512 MiB streamed put, then get, each side in its own child process
//    (so peak RSS is its own). Baseline: a Readable piped into
//    fs.createWriteStream, then fs.createReadStream, both with a 1 MiB
//    highWaterMark. Stowage: Storage.put of a web ReadableStream (same 1 MiB
//    chunks), then reading get's body stream. Target >= 0.8x the baseline's
//    throughput; peak RSS <= 100 MiB.
// 4. First page of 1,000 keys out of 20,000 files in nested directories
//    (20 x 10 x 100). Peers, each on its own plain tree of the same shape:
//    flydrive 1.3 FSDriver.listAll(recursive) and unstorage 1.17's fs driver
//    getKeys(), each sorted and cut to the first 1,000 (neither can page in
//    order). Stowage: Storage.list({ limit: 1000 }) returning full ObjectInfo,
//    measured twice: "cold", a new driver each time (every listed object's
//    header is read: open, read, close), and "repeat", one driver whose
//    header cache answers unchanged files with one lstat each. Target: >= 20x.
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { createStorage, compareUtf8 } from "@stowage/core";
import { fsDriver } from "@stowage/fs";

const gc = globalThis.gc ?? (() => {});
const streamBytes = 512 * 1024 * 1024;
const streamChunkBytes = 1024 * 1024;

/** Peak RSS of this process image in MiB (VmHWM; ru_maxrss would include a forked parent's). */
function peakRssMiB() {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]) / 1024;
  } catch {}
  return process.resourceUsage().maxRSS / 1024;
}

async function inParallel(count, concurrency, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/**
 * Medians of `rounds` timings (ms) of each of several runners, after
 * `warmup` untimed rounds. The runners take turns within every round, so a
 * change in machine load hits them alike. `collect` forces a full GC before
 * each run: right for long runs, but it slows the few milliseconds after it
 * (V8 drops compiled code and feedback), so short runs skip it.
 */
async function medians(rounds, runners, { warmup = 2, collect = true } = {}) {
  const samples = runners.map(() => []);
  for (let round = -warmup; round < rounds; round++) {
    for (const [index, run] of runners.entries()) {
      if (collect) gc();
      const started = performance.now();
      await run(round);
      if (round >= 0) samples[index].push(performance.now() - started);
    }
  }
  return samples.map((list) => list.sort((a, b) => a - b)[list.length >> 1]);
}

const fmt = (ms) => (ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`);

function table(title, rows) {
  console.log(`\n${title}`);
  const widths = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, String(cell).length)));
  for (const row of rows) console.log(`  ${row.map((cell, index) => (index === 0 ? String(cell).padEnd(widths[index]) : String(cell).padStart(widths[index]))).join("  ")}`);
}

/** The stream workload, run in a child process: prints { putMs, getMs, peakRssMiB }. */
async function streamChild(kind, base) {
  const chunk = new Uint8Array(streamChunkBytes).fill(0x5a);
  const chunks = function* () {
    for (let sent = 0; sent < streamBytes; sent += streamChunkBytes) yield chunk;
  };
  let putMs;
  let getMs;
  let read = 0;
  if (kind === "raw") {
    const path = join(base, "raw-stream");
    let started = performance.now();
    await pipeline(Readable.from(chunks(), { objectMode: false, highWaterMark: streamChunkBytes }), createWriteStream(path, { highWaterMark: streamChunkBytes }));
    putMs = performance.now() - started;
    started = performance.now();
    for await (const piece of createReadStream(path, { highWaterMark: streamChunkBytes })) read += piece.byteLength;
    getMs = performance.now() - started;
  } else {
    const storage = createStorage(fsDriver({ root: join(base, "stowage-stream"), cleanupOnStart: false }));
    const iterator = chunks();
    const body = new ReadableStream({
      pull(controller) {
        const { done, value } = iterator.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
    });
    let started = performance.now();
    await storage.put("stream/object", body, { size: streamBytes });
    putMs = performance.now() - started;
    started = performance.now();
    const object = await storage.get("stream/object");
    for await (const piece of object.body) read += piece.byteLength;
    getMs = performance.now() - started;
  }
  if (read !== streamBytes) throw new Error(`read ${read} bytes, expected ${streamBytes}`);
  process.stdout.write(JSON.stringify({ putMs, getMs, peakRssMiB: peakRssMiB() }));
}

function runStreamChild(kind, base) {
  const result = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "stream-child", kind, base], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (result.status !== 0) throw new Error(`stream child ${kind} failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

async function main() {
  const base = await mkdtemp(join(tmpdir(), "stowage-fs-bench-"));
  try {
    console.log(`@stowage/fs benchmarks on Node ${process.version}, in ${base}`);
    const storage = createStorage(fsDriver({ root: join(base, "stowage"), cleanupOnStart: false }));

    // 1. put 5,000 x 4 KiB at concurrency 16
    const small = new Uint8Array(4096).fill(1);
    const putCount = 5000;
    const [rawPut, stowagePut] = await medians(5, [
      async (round) => {
        const directory = join(base, "raw", `put-${round + 10}`);
        await mkdir(directory, { recursive: true });
        await inParallel(putCount, 16, (index) => writeFile(join(directory, `object-${index}`), small));
      },
      (round) =>
        inParallel(putCount, 16, (index) =>
          storage.put(`put-${round + 10}/object-${index}`, small, { contentType: "application/x-test", metadata: { round: String(round) } }),
        ),
    ]);

    // 2. get 100 x 1 MiB at concurrency 16
    const big = new Uint8Array(1024 * 1024).fill(2);
    await mkdir(join(base, "raw", "get"), { recursive: true });
    for (let index = 0; index < 100; index++) {
      await writeFile(join(base, "raw", "get", `object-${index}`), big);
      await storage.put(`get/object-${index}`, big);
    }
    const [rawGet, stowageGet] = await medians(15, [
      () => inParallel(100, 16, (index) => readFile(join(base, "raw", "get", `object-${index}`))),
      () =>
        inParallel(100, 16, async (index) => {
          await (await storage.get(`get/object-${index}`)).bytes();
        }),
    ]);

    table("put and get (median of rounds; lower is better)", [
      ["workload", "fs.promises", "stowage", "ratio", "target"],
      ["put 5,000 x 4 KiB, concurrency 16", fmt(rawPut), fmt(stowagePut), `${(stowagePut / rawPut).toFixed(2)}x`, "<= 1.5x"],
      ["get 100 x 1 MiB, concurrency 16", fmt(rawGet), fmt(stowageGet), `${(stowageGet / rawGet).toFixed(2)}x`, "<= 1.2x"],
    ]);

    // 3. 512 MiB streamed put and get, each side in a child process
    const raw = runStreamChild("raw", base);
    const ours = runStreamChild("stowage", base);
    const throughput = (ms) => (streamBytes / 1048576 / (ms / 1000)).toFixed(0);
    table("512 MiB streamed (child processes; throughput in MiB/s, higher is better)", [
      ["workload", "raw streams", "stowage", "ratio", "target"],
      ["streamed put", throughput(raw.putMs), throughput(ours.putMs), `${(raw.putMs / ours.putMs).toFixed(2)}x`, ">= 0.8x"],
      ["streamed get", throughput(raw.getMs), throughput(ours.getMs), `${(raw.getMs / ours.getMs).toFixed(2)}x`, ">= 0.8x"],
      ["peak RSS (MiB)", raw.peakRssMiB.toFixed(0), ours.peakRssMiB.toFixed(0), "", "<= 100"],
    ]);
    await rm(join(base, "raw-stream"), { force: true });
    await rm(join(base, "stowage-stream"), { recursive: true, force: true });

    // 4. first page of 1,000 keys out of 20,000 files in nested directories
    const listRoot = join(base, "stowage-list");
    const peerRoot = join(base, "peer-list");
    const listStorage = createStorage(fsDriver({ root: listRoot, cleanupOnStart: false }));
    const keys = [];
    for (let top = 0; top < 20; top++) {
      for (let middle = 0; middle < 10; middle++) {
        await mkdir(join(peerRoot, `d${String(top).padStart(2, "0")}`, `s${middle}`), { recursive: true });
        for (let leaf = 0; leaf < 100; leaf++) keys.push(`d${String(top).padStart(2, "0")}/s${middle}/file-${String(leaf).padStart(3, "0")}`);
      }
    }
    await inParallel(keys.length, 16, async (index) => {
      await listStorage.put(keys[index], "data");
      await writeFile(join(peerRoot, keys[index]), "data");
    });
    const { FSDriver } = await import("flydrive/drivers/fs");
    const { createStorage: createUnstorage } = await import("unstorage");
    const { default: unstorageFs } = await import("unstorage/drivers/fs");
    const flydrive = new FSDriver({ location: peerRoot, visibility: "public" });
    const unstorage = createUnstorage({ driver: unstorageFs({ base: peerRoot }) });
    const first = await listStorage.list({ limit: 1000 });
    if (first.objects.length !== 1000 || first.objects[0].key !== keys[0] || first.objects[999].key !== keys[999]) throw new Error("wrong first page");
    const [stowageList, stowageColdList, flydriveList, unstorageList] = await medians(15, [
      () => listStorage.list({ limit: 1000 }),
      // A fresh driver each time: its header cache is empty.
      () => createStorage(fsDriver({ root: listRoot, cleanupOnStart: false })).list({ limit: 1000 }),
      async () => {
        const { objects } = await flydrive.listAll("", { recursive: true });
        const page = Array.from(objects, (file) => file.key).sort(compareUtf8).slice(0, 1000);
        if (page.length !== 1000) throw new Error("flydrive: short page");
      },
      async () => {
        const page = (await unstorage.getKeys()).sort(compareUtf8).slice(0, 1000);
        if (page.length !== 1000) throw new Error("unstorage: short page");
      },
    ], { warmup: 3, collect: false });
    table("first page of 1,000 of 20,000 files in nested directories (median; lower is better)", [
      ["lister", "time", "vs stowage (repeat)", "vs stowage (cold)", "target"],
      ["flydrive 1.3 FSDriver.listAll + sort", fmt(flydriveList), `${(flydriveList / stowageList).toFixed(1)}x`, `${(flydriveList / stowageColdList).toFixed(1)}x`, ">= 20x"],
      ["unstorage 1.17 fs getKeys + sort", fmt(unstorageList), `${(unstorageList / stowageList).toFixed(1)}x`, `${(unstorageList / stowageColdList).toFixed(1)}x`, ">= 20x"],
      ["stowage list, repeat (header cache warm)", fmt(stowageList), "", "", ""],
      ["stowage list, cold (new driver)", fmt(stowageColdList), "", "", ""],
    ]);
    console.log(`\npeak RSS of this process: ${peakRssMiB().toFixed(0)} MiB`);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

if (process.argv[2] === "stream-child") await streamChild(process.argv[3], process.argv[4]);
else await main();
