// Benchmarks for @stowage/kv over @stowage/fs (built dist: `pnpm bench kv`
// builds first). Every ratio is against a baseline measured in this same run,
// on the same file system (the OS temp directory), the contenders taking
// turns round by round; each figure is the median per-operation time over
// the rounds.
//
// 1. Warm-cache read: KV `get` + `json()` of a 200-byte JSON value with
//    cacheTtlSeconds 60 (the value already read once), vs the same read
//    through Storage(fs) `get` + `json()` without a cache. Target: >= 50x.
// 2. Writes and reads: KV over fs (no cache) `put` + `get` + `json()` of
//    200-byte JSON values, vs Storage(fs) `put` + `get` + `json()` of the same
//    bytes. Target: KV within 2x of Storage.
//
// Quick runs: KV_BENCH_ROUNDS (default 9), KV_BENCH_OPS (fs ops a round, default 300).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createStorage } from "@stowage/core";
import { createKv } from "@stowage/kv";
import { fsDriver } from "@stowage/fs";

const envNumber = (name, fallback) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const rounds = envNumber("KV_BENCH_ROUNDS", 9);
const fsOps = envNumber("KV_BENCH_OPS", 300);
const cachedOps = fsOps * 100;

/** A JSON value of exactly 200 bytes. */
function value200(seed) {
  const base = { id: seed, flag: seed % 2 === 0, name: "feature-flags", tags: ["a", "b", "c"], pad: "" };
  base.pad = "x".repeat(200 - JSON.stringify(base).length);
  const json = JSON.stringify(base);
  if (json.length !== 200) throw new Error(`value is ${json.length} bytes`);
  return base;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** Microseconds per op of `run(ops)`. */
async function timed(ops, run) {
  const start = performance.now();
  await run(ops);
  return ((performance.now() - start) * 1000) / ops;
}

const root = await mkdtemp(join(tmpdir(), "stowage-kv-bench-"));
try {
  const storage = createStorage(fsDriver({ root }));
  const cachedKv = createKv(storage, { prefix: "kv/", cacheTtlSeconds: 60 });
  const plainKv = createKv(storage, { prefix: "kv/" });
  const value = value200(1);
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  await cachedKv.put("hot", value);
  await storage.put("plain/hot", bytes, { contentType: "application/json" });
  if ((await cachedKv.get("hot")).json().id !== 1) throw new Error("warm-up read failed");

  // 1. Warm-cache get vs fs get.
  const warm = { kv: [], fs: [] };
  let sink = 0;
  for (let round = 0; round < rounds; round++) {
    warm.fs.push(
      await timed(fsOps, async (ops) => {
        for (let index = 0; index < ops; index++) sink += (await (await storage.get("plain/hot")).json()).id;
      }),
    );
    warm.kv.push(
      await timed(cachedOps, async (ops) => {
        for (let index = 0; index < ops; index++) sink += (await cachedKv.get("hot")).json().id;
      }),
    );
  }

  // 2. put + get of 200-byte values: KV over fs vs Storage(fs).
  const both = { kv: [], storage: [] };
  let counter = 0;
  for (let round = 0; round < rounds; round++) {
    both.storage.push(
      await timed(fsOps, async (ops) => {
        for (let index = 0; index < ops; index++) {
          const key = `plain/k${counter++ % 64}`;
          await storage.put(key, new TextEncoder().encode(JSON.stringify(value200(index))), { contentType: "application/json" });
          sink += (await (await storage.get(key)).json()).id;
        }
      }),
    );
    both.kv.push(
      await timed(fsOps, async (ops) => {
        for (let index = 0; index < ops; index++) {
          const key = `k${counter++ % 64}`;
          await plainKv.put(key, value200(index));
          sink += (await plainKv.get(key)).json().id;
        }
      }),
    );
  }
  if (sink === 0) throw new Error("nothing was read");

  const rows = [
    ["KV get, warm cache (200-byte JSON)", median(warm.kv)],
    ["Storage(fs) get, no cache (200-byte JSON)", median(warm.fs)],
    ["KV over fs put + get (200-byte JSON)", median(both.kv)],
    ["Storage(fs) put + get (200-byte JSON)", median(both.storage)],
  ];
  console.log(`rounds ${rounds}, fs ops/round ${fsOps}, cached ops/round ${cachedOps}; medians, microseconds per op`);
  for (const [label, micros] of rows) console.log(`  ${label.padEnd(44)} ${micros.toFixed(2).padStart(10)} us`);
  const speedup = median(warm.fs) / median(warm.kv);
  const overhead = median(both.kv) / median(both.storage);
  console.log(`warm-cache KV get vs fs get: ${speedup.toFixed(1)}x faster (target >= 50x) ${speedup >= 50 ? "MET" : "MISSED"}`);
  console.log(`KV put+get vs Storage put+get: ${overhead.toFixed(2)}x the time (target <= 2x) ${overhead <= 2 ? "MET" : "MISSED"}`);
} finally {
  await rm(root, { recursive: true, force: true });
}
