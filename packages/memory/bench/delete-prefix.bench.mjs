// deletePrefix against deleting the same keys yourself (run `pnpm bench
// delete-prefix`, which builds first; or build core and memory and run
// `node --expose-gc packages/memory/bench/delete-prefix.bench.mjs`).
//
// Each round writes 10,000 keys under one prefix (untimed; 32 puts in flight),
// then times one contender deleting them all:
//   - baseline "delete(keys), 1000 per call": the keys already known, passed
//     to `storage.delete` in 1,000-key batches, one batch after another (what
//     an application that kept its key list does).
//   - "deletePrefix": `storage.deletePrefix(prefix)`, which also has to list
//     the keys (a page of 1,000 per batch; the next page is listed while the
//     current batch is deleted).
// Contenders alternate round by round (A, B, A, B, ...); the figure is the
// median per contender, and the ratio is deletePrefix's median over the
// baseline's median from the same run.
//
// Backends: memory always; fs (a fresh directory under the OS temp dir)
// when packages/fs is built next to this package. STOWAGE_BENCH_ROUNDS sets
// the rounds per contender (default 9 for memory, 3 for fs).
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createStorage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";

const keyCount = 10_000;
const batchSize = 1000;
const writeConcurrency = 32;
const gc = globalThis.gc ?? (() => {});

async function fill(storage, prefix) {
  const keys = Array.from({ length: keyCount }, (_, index) => `${prefix}${String(index).padStart(5, "0")}`);
  let next = 0;
  const worker = async () => {
    while (next < keys.length) await storage.put(keys[next++], "x");
  };
  await Promise.all(Array.from({ length: writeConcurrency }, worker));
  // A neighbour that must survive (and that deletePrefix must list past).
  await storage.put(`${prefix.slice(0, -1)}-neighbour`, "stay");
  return keys;
}

const contenders = [
  {
    name: "delete(keys), 1000 per call (baseline)",
    async run(storage, _prefix, keys) {
      for (let start = 0; start < keys.length; start += batchSize) await storage.delete(keys.slice(start, start + batchSize));
    },
  },
  {
    name: "deletePrefix(prefix)",
    async run(storage, prefix) {
      const { deleted } = await storage.deletePrefix(prefix);
      if (deleted !== keyCount) throw new Error(`deletePrefix deleted ${deleted}, not ${keyCount}`);
    },
  },
];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

async function measure(backend) {
  const storage = createStorage(backend.driver);
  const rounds = Number(process.env.STOWAGE_BENCH_ROUNDS) || backend.rounds;
  const samples = contenders.map(() => []);
  for (let round = -1; round < rounds; round++) {
    for (const [index, contender] of contenders.entries()) {
      const prefix = `bench-${round + 1}-${index}/`;
      const keys = await fill(storage, prefix);
      gc();
      const start = performance.now();
      await contender.run(storage, prefix, keys);
      const elapsed = performance.now() - start;
      const left = await storage.list({ prefix, limit: 1 });
      if (left.objects.length > 0) throw new Error(`${contender.name} left ${left.objects[0].key}`);
      if (!(await storage.exists(`bench-${round + 1}-${index}-neighbour`))) throw new Error(`${contender.name} deleted a neighbour`);
      // Round -1 warms up and is not counted.
      if (round >= 0) samples[index].push(elapsed);
    }
  }
  const medians = samples.map(median);
  console.log(`\n${backend.name}: delete ${keyCount.toLocaleString("en")} keys under one prefix (median of ${rounds} rounds)`);
  const width = Math.max(...contenders.map((contender) => contender.name.length));
  for (const [index, contender] of contenders.entries()) {
    const ratio = index === 0 ? "1.00x (baseline)" : `${(medians[index] / medians[0]).toFixed(2)}x the baseline`;
    console.log(`  ${contender.name.padEnd(width)}  ${medians[index].toFixed(1).padStart(8)} ms  ${ratio}`);
  }
}

await measure({ name: "memory", driver: memoryDriver(), rounds: 9 });

const fsDist = fileURLToPath(new URL("../../fs/dist/index.js", import.meta.url));
if (existsSync(fsDist)) {
  const { fsDriver } = await import(fsDist);
  const root = await mkdtemp(join(tmpdir(), "stowage-delete-prefix-bench-"));
  try {
    await measure({ name: `fs (${root})`, driver: fsDriver({ root }), rounds: 3 });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
} else {
  console.log("\nfs: skipped (packages/fs/dist is not built)");
}
