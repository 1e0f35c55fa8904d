// Benchmarks for @stowage/memory through @stowage/core (built dist: run
// `pnpm --filter @stowage/core --filter @stowage/memory build` first, or
// `pnpm bench memory`). Every figure is a median over rounds, and every ratio
// is against a baseline measured in this same run.
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
//      validation, defaults, ObjectInfo with etag and date) and
//      `await (await storage.get(key)).bytes()`.
import { createStorage, compareUtf8 } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { createStorage as createUnstorage } from "unstorage";
import unstorageMemory from "unstorage/drivers/memory";

const gc = globalThis.gc ?? (() => {});

/** Runs `body` (one op) repeatedly; returns the median time per op in microseconds. */
async function measure(body, { rounds, opsPerRound, minMs = 0 }) {
  const samples = [];
  for (let warm = 0; warm < Math.min(3, rounds); warm++) {
    for (let op = 0; op < opsPerRound; op++) await body(op);
  }
  gc();
  const started = performance.now();
  for (let round = 0; round < rounds || performance.now() - started < minMs; round++) {
    const start = performance.now();
    for (let op = 0; op < opsPerRound; op++) await body(op);
    samples.push(((performance.now() - start) * 1000) / opsPerRound);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

function format(micros) {
  if (micros >= 1000) return `${(micros / 1000).toFixed(2)} ms`;
  return `${micros.toFixed(2)} µs`;
}

function table(title, rows) {
  console.log(`\n${title}`);
  const widths = [0, 0, 0];
  const cells = rows.map(([name, micros, ratio]) => [name, format(micros), ratio]);
  for (const row of cells) row.forEach((cell, index) => (widths[index] = Math.max(widths[index], cell.length)));
  for (const row of cells) console.log(`  ${row[0].padEnd(widths[0])}  ${row[1].padStart(widths[1])}  ${row[2]}`);
}

// ---------------------------------------------------------------- list
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
    const p = (index * 7919) % prefixCount;
    const k = Math.floor(index / prefixCount);
    allKeys.push(`${prefixName(p)}file-${String((k * 7717) % keysPerPrefix).padStart(5, "0")}.txt`);
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

const listStowage = await measure(() => storage.list({ prefix: target, limit: 1000 }), { rounds: 41, opsPerRound: 10, minMs: 1000 });
const listSortAll = await measure(scanSortAll, { rounds: 9, opsPerRound: 1 });
const listFilterSort = await measure(scanFilterSort, { rounds: 41, opsPerRound: 3, minMs: 1000 });
const listUnstorage = await measure(unstoragePage, { rounds: 21, opsPerRound: 1, minMs: 1000 });

const times = (baseline, ours) => `${(baseline / ours).toFixed(1)}x`;
table(`List: first page of 1,000 keys under a prefix, ${keyCount.toLocaleString("en")} keys (median per call; ratio = baseline / Storage.list)`, [
  ["Storage.list (memory driver)", listStowage, "1.0x"],
  ["baseline: scan + sort all (Map)", listSortAll, `${times(listSortAll, listStowage)} slower  (target >= 100x)`],
  ["baseline: scan + filter + sort (Map)", listFilterSort, `${times(listFilterSort, listStowage)} slower`],
  ["baseline: unstorage 1.17 memory getKeys + sort", listUnstorage, `${times(listUnstorage, listStowage)} slower`],
]);
return listSortAll / listStowage >= 100;
}


// ---------------------------------------------------------------- put/get
async function putGetSection() {
  const objectCount = 1000;
  const body = new Uint8Array(4096);
  for (let index = 0; index < body.length; index++) body[index] = (index * 31) & 0xff;
  const objectKeys = Array.from({ length: objectCount }, (_, index) => `objects/${String(index).padStart(6, "0")}.bin`);
  const putGetStorage = createStorage(memoryDriver());
  const bareMap = new Map();

  const mapPut = (index) => {
    bareMap.set(objectKeys[index], body.slice());
  };
  const mapGet = (index) => bareMap.get(objectKeys[index]).slice();
  const storagePut = (index) => putGetStorage.put(objectKeys[index], body);
  const storageGet = async (index) => (await putGetStorage.get(objectKeys[index])).bytes();

  const rounds = { rounds: 31, opsPerRound: objectCount, minMs: 1500 };
  const putMap = await measure(mapPut, rounds);
  const putStorage = await measure(storagePut, rounds);
  const getMap = await measure(mapGet, rounds);
  const getStorage = await measure(storageGet, rounds);

  const sample = await storageGet(7);
  if (sample.length !== 4096 || sample[100] !== body[100]) throw new Error("Storage.get returned the wrong bytes");

  const ratio = (ours, baseline) => `${(ours / baseline).toFixed(2)}x the Map`;
  table("Put/get of 4 KiB objects (median per op; ratio = Storage / Map, target <= 3x)", [
    ["Map put (set + copy)", putMap, "1.00x"],
    ["Storage.put", putStorage, ratio(putStorage, putMap)],
    ["Map get (get + copy)", getMap, "1.00x"],
    ["Storage.get + bytes()", getStorage, ratio(getStorage, getMap)],
    ["Map put + get", putMap + getMap, "1.00x"],
    ["Storage put + get", putStorage + getStorage, ratio(putStorage + getStorage, putMap + getMap)],
  ]);
  return (putStorage + getStorage) / (putMap + getMap) <= 3;
}

// ---------------------------------------------------------------- new keys
// Creating keys in a store that already holds 100,000: the sorted index must
// not make each new key cost O(n).
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
  let round = 0;
  const fresh = () => `new/${round}/${Math.random().toString(36).slice(2)}`;
  const keys = [];
  const prepare = () => {
    round++;
    keys.length = 0;
    for (let index = 0; index < batch; index++) keys.push(fresh());
  };
  const measureBatches = async (put) => {
    const samples = [];
    for (let sample = 0; sample < 15; sample++) {
      prepare();
      const start = performance.now();
      for (const key of keys) await put(key);
      samples.push(((performance.now() - start) * 1000) / batch);
    }
    samples.sort((a, b) => a - b);
    return samples[samples.length >> 1];
  };
  gc();
  const mapNew = await measureBatches((key) => void map.set(key, tiny.slice()));
  gc();
  const storageNew = await measureBatches((key) => storage.put(key, tiny));
  table(`Put of a new 16-byte object into a store of ${existing.toLocaleString("en")}+ keys (median per op)`, [
    ["Map set + copy", mapNew, "1.00x"],
    ["Storage.put (new key, sorted index insert)", storageNew, `${(storageNew / mapNew).toFixed(2)}x the Map`],
  ]);
}

const listOk = await listSection();
gc();
const putGetOk = await putGetSection();
gc();
await newKeySection();

console.log(`\nTargets: list >= 100x faster than scan + sort: ${listOk ? "met" : "MISSED"}; put/get <= 3x the Map: ${putGetOk ? "met" : "MISSED"}`);
