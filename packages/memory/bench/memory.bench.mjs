// Benchmarks for @stowage/memory through @stowage/core (built dist: run
// `pnpm --filter @stowage/core --filter @stowage/memory build` first, or
// `pnpm bench memory`). Every figure is a median over rounds; the subjects of
// a table are measured in interleaved rounds (A, B, C, A, B, C, ...), so load
// from other processes hits them alike. A full GC runs (untimed, with
// --expose-gc as `pnpm bench` passes) before a table's rounds, not inside
// them: right after a forced GC V8's young generation is at its smallest, and
// allocation costs far more than in a running program. Every ratio is
// against a baseline measured in this same run.
//
// 1. List: the first page (limit 1000) under one prefix, out of 100,000 keys
//    (100 prefixes x 1,000 keys). Target: Storage.list >= 100x faster than
//    the scan-and-sort baseline.
//    - "scan + sort all": what a driver without an index does on every list
//      call: copy the Map's keys, sort all of them by UTF-8 bytes, then take
//      the keys under the prefix, up to 1000.
//    - "scan + filter + sort": a smarter scan: walk the Map's keys, keep the
//      ones under the prefix, sort only those, take 1000.
//    - "unstorage getKeys": unstorage 1.17's memory driver, `getKeys(prefix)`
//      plus the sort and slice a page needs (getKeys returns every match,
//      unsorted).
//    Storage.list returns full ObjectInfo records (copied); the baselines
//    return bare keys, which favours the baselines.
// 2. Put/get of 4 KiB objects. Target: Storage <= 3x the bare Map.
//    - Baseline put: `map.set(key, bytes.slice())` (a copy, as the driver
//      must copy the caller's bytes). Baseline get: `map.get(key).slice()`
//      (a copy the caller may own, as the driver must return).
//    - Storage: `await storage.put(key, bytes)` (key, options and body
//      validation, defaults, ObjectInfo with etag and date, copies) and
//      `await (await storage.get(key)).bytes()`.
// 3. Put of a new key into a store of 100,000 keys, against Map.set + copy:
//    the sorted index must not make each new key cost O(n).
import { createStorage, compareUtf8 } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { createStorage as createUnstorage } from "unstorage";
import unstorageMemory from "unstorage/drivers/memory";

const gc = globalThis.gc ?? (() => {});

/**
 * Measures subjects `{ name, run(op), ops }` in interleaved rounds and
 * returns each one's median time per op, in microseconds. `prepare(round)`
 * runs untimed before each subject's round.
 */
async function measureInterleaved(subjects, { rounds, warmupRounds = 2 }) {
  for (let round = 0; round < warmupRounds; round++) {
    for (const subject of subjects) {
      await subject.prepare?.();
      for (let op = 0; op < subject.ops; op++) await subject.run(op);
    }
  }
  gc();
  const samples = subjects.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [index, subject] of subjects.entries()) {
      await subject.prepare?.();
      const start = performance.now();
      for (let op = 0; op < subject.ops; op++) await subject.run(op);
      samples[index].push(((performance.now() - start) * 1000) / subject.ops);
    }
  }
  return samples.map((list) => list.sort((a, b) => a - b)[list.length >> 1]);
}

function format(micros) {
  if (micros >= 1000) return `${(micros / 1000).toFixed(2)} ms`;
  return `${micros.toFixed(2)} µs`;
}

function table(title, rows) {
  console.log(`\n${title}`);
  const cells = rows.map(([name, micros, ratio]) => [name, format(micros), ratio]);
  const widths = [0, 1].map((column) => Math.max(...cells.map((row) => row[column].length)));
  for (const row of cells) console.log(`  ${row[0].padEnd(widths[0])}  ${row[1].padStart(widths[1])}  ${row[2]}`);
}

// Each section lives in its own function, so its data is garbage before the
// next one runs (a 100,000-key heap would otherwise slow later sections' GC).

async function listSection() {
  const prefixCount = 100;
  const keysPerPrefix = 1000;
  const keyCount = prefixCount * keysPerPrefix;
  const prefixName = (index) => `p${String(index).padStart(3, "0")}/`;
  // Insert in a scattered order so neither structure gets sorted input.
  const allKeys = [];
  for (let index = 0; index < keyCount; index++) {
    const group = (index * 7919) % prefixCount;
    const member = (Math.floor(index / prefixCount) * 7717) % keysPerPrefix;
    allKeys.push(`${prefixName(group)}file-${String(member).padStart(5, "0")}.txt`);
  }

  const storage = createStorage(memoryDriver());
  const tiny = new Uint8Array(16);
  for (const key of allKeys) await storage.put(key, tiny);
  const map = new Map();
  for (const key of allKeys) map.set(key, tiny.slice());
  const unstorage = createUnstorage({ driver: unstorageMemory() });
  for (const key of allKeys) await unstorage.setItemRaw(key, tiny);

  const target = prefixName(42);
  const check = await storage.list({ prefix: target, limit: 1000 });
  if (check.objects.length !== 1000) throw new Error(`expected 1000 objects, got ${check.objects.length}`);

  const scanSortAll = () => {
    const keys = [...map.keys()].sort(compareUtf8);
    const page = [];
    for (const key of keys) {
      if (key.startsWith(target)) {
        page.push(key);
        if (page.length === 1000) break;
      }
    }
    return page;
  };
  const scanFilterSort = () => {
    const matches = [];
    for (const key of map.keys()) if (key.startsWith(target)) matches.push(key);
    return matches.sort(compareUtf8).slice(0, 1000);
  };
  const unstorageTarget = target.slice(0, -1);
  const unstoragePage = async () => (await unstorage.getKeys(unstorageTarget)).sort().slice(0, 1000);

  for (const [name, run] of [["scan + sort all", scanSortAll], ["scan + filter + sort", scanFilterSort]]) {
    const keys = run();
    if (keys.length !== 1000 || keys[0] !== check.objects[0].key || keys[999] !== check.objects[999].key) {
      throw new Error(`${name} baseline disagrees with Storage.list`);
    }
  }
  if ((await unstoragePage()).length !== 1000) throw new Error("unstorage baseline returned the wrong page size");

  const [ours, sortAll, filterSort, viaUnstorage] = await measureInterleaved(
    [
      { run: () => storage.list({ prefix: target, limit: 1000 }), ops: 20 },
      { run: scanSortAll, ops: 1 },
      { run: scanFilterSort, ops: 5 },
      { run: unstoragePage, ops: 1 },
    ],
    { rounds: 15, warmupRounds: 1 },
  );
  const slower = (baseline) => `${(baseline / ours).toFixed(1)}x slower`;
  table(`List: first page of 1,000 keys under a prefix, ${keyCount.toLocaleString("en")} keys (median per call)`, [
    ["Storage.list (memory driver)", ours, "1.0x"],
    ["baseline: scan + sort all (Map)", sortAll, `${slower(sortAll)}  (target >= 100x)`],
    ["baseline: scan + filter + sort (Map)", filterSort, slower(filterSort)],
    ["baseline: unstorage 1.17 memory getKeys + sort", viaUnstorage, slower(viaUnstorage)],
  ]);
  return sortAll / ours;
}

async function putGetSection() {
  const objectCount = 1000;
  const body = new Uint8Array(4096);
  for (let index = 0; index < body.length; index++) body[index] = (index * 31) & 0xff;
  const keys = Array.from({ length: objectCount }, (_, index) => `objects/${String(index).padStart(6, "0")}.bin`);
  const storage = createStorage(memoryDriver());
  const map = new Map();

  const storageGet = async (index) => (await storage.get(keys[index])).bytes();
  const [mapPut, storagePut, mapGet, storageGetTime] = await measureInterleaved(
    [
      { run: (index) => void map.set(keys[index], body.slice()), ops: objectCount },
      { run: (index) => storage.put(keys[index], body), ops: objectCount },
      { run: (index) => map.get(keys[index]).slice(), ops: objectCount },
      { run: storageGet, ops: objectCount },
    ],
    { rounds: 41 },
  );

  const sample = await storageGet(7);
  if (sample.length !== 4096 || sample[100] !== body[100]) throw new Error("Storage.get returned the wrong bytes");

  const ratio = (ours, baseline) => `${(ours / baseline).toFixed(2)}x the Map`;
  table("Put/get of 4 KiB objects (median per op; target: Storage put + get <= 3x the Map's)", [
    ["Map put (set + copy)", mapPut, "1.00x"],
    ["Storage.put", storagePut, ratio(storagePut, mapPut)],
    ["Map get (get + copy)", mapGet, "1.00x"],
    ["Storage.get + bytes()", storageGetTime, ratio(storageGetTime, mapGet)],
    ["Map put + get", mapPut + mapGet, "1.00x"],
    ["Storage put + get", storagePut + storageGetTime, ratio(storagePut + storageGetTime, mapPut + mapGet)],
  ]);
  return (storagePut + storageGetTime) / (mapPut + mapGet);
}

async function newKeySection() {
  const existing = 100_000;
  const batch = 2000;
  const tiny = new Uint8Array(16);
  const storage = createStorage(memoryDriver());
  const map = new Map();
  for (let index = 0; index < existing; index++) {
    const key = `old/${String((index * 7919) % existing).padStart(6, "0")}`;
    await storage.put(key, tiny);
    map.set(key, tiny.slice());
  }
  // Fresh random keys for every round, drawn before the round is timed.
  let fresh = [];
  const prepare = () => {
    fresh = Array.from({ length: batch }, () => `new/${Math.random().toString(36).slice(2)}`);
  };
  const [mapNew, storageNew] = await measureInterleaved(
    [
      { prepare, run: (index) => void map.set(fresh[index], tiny.slice()), ops: batch },
      { prepare, run: (index) => storage.put(fresh[index], tiny), ops: batch },
    ],
    { rounds: 11, warmupRounds: 1 },
  );
  table(`Put of a new 16-byte object into a store of ${existing.toLocaleString("en")}+ keys (median per op)`, [
    ["Map set + copy", mapNew, "1.00x"],
    ["Storage.put (new key: sorted index insert)", storageNew, `${(storageNew / mapNew).toFixed(2)}x the Map`],
  ]);
}

const listRatio = await listSection();
gc();
const putGetRatio = await putGetSection();
gc();
await newKeySection();
console.log(
  `\nTargets: list >= 100x faster than scan + sort all: ${listRatio >= 100 ? "met" : "MISSED"} (${listRatio.toFixed(0)}x); ` +
    `put + get <= 3x the Map: ${putGetRatio <= 3 ? "met" : "MISSED"} (${putGetRatio.toFixed(2)}x)`,
);
