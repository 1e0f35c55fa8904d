// deletePrefix benchmark for @stowage/fs (built dist: run `pnpm --filter
// @stowage/core --filter @stowage/fs build` first, or `pnpm bench fs`).
// 10,000 keys under one prefix, 100 directories of 100 keys ("p/d00/k000"),
// on the OS temp directory's file system. Contenders alternate (the order
// rotates), 5 rounds, the tree rebuilt before each timing (not timed):
//
// - Storage.deletePrefix("p/"): listing pages of 1,000 and deleting each
//   page (per key: its lock, unlink, empty directories removed).
// - fs.rm(dir, { recursive: true }) of a plain tree of the same layout
//   (same names, 10,000 files of the same size): the baseline.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStorage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";

const directories = 100;
const perDirectory = 100;
const bodyBytes = 256;
const rounds = Number(process.env.ROUNDS ?? 5);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function keyAt(directory, index) {
  return `p/d${String(directory).padStart(2, "0")}/k${String(index).padStart(3, "0")}`;
}

async function inParallel(count, concurrency, task) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next < count) await task(next++); }));
}

const base = await mkdtemp(join(tmpdir(), "stowage-delete-prefix-bench-"));
try {
  const root = join(base, "stowage");
  const plain = join(base, "plain");
  const driver = fsDriver({ root });
  const storage = createStorage(driver);
  const body = new Uint8Array(bodyBytes).fill(7);
  const total = directories * perDirectory;
  const contenders = {
    "Storage.deletePrefix": {
      async setup() {
        await inParallel(total, 16, (index) => storage.put(keyAt(Math.floor(index / perDirectory), index % perDirectory), body));
      },
      async run() {
        const result = await storage.deletePrefix("p/");
        if (result.deleted !== total) throw new Error(`deleted ${result.deleted}, not ${total}`);
      },
    },
    "fs.rm recursive": {
      async setup() {
        for (let directory = 0; directory < directories; directory++) await mkdir(join(plain, "p", `d${String(directory).padStart(2, "0")}`), { recursive: true });
        await inParallel(total, 16, (index) => writeFile(join(plain, keyAt(Math.floor(index / perDirectory), index % perDirectory)), body));
      },
      async run() {
        await rm(join(plain, "p"), { recursive: true });
      },
    },
  };
  const names = Object.keys(contenders);
  const times = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let index = 0; index < names.length; index++) {
      const name = names[(index + round) % names.length];
      await contenders[name].setup();
      const started = process.hrtime.bigint();
      await contenders[name].run();
      times[name].push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  const baseline = median(times["fs.rm recursive"]);
  console.log(`deletePrefix of ${total} keys (${directories} directories x ${perDirectory}), ${rounds} rounds, Node ${process.version}`);
  for (const name of names) {
    const value = median(times[name]);
    console.log(`  ${name.padEnd(22)} median ${value.toFixed(1).padStart(8)} ms  (${times[name].map((time) => time.toFixed(0)).join(", ")})  ${(value / baseline).toFixed(2)}x fs.rm`);
  }
  await driver.close();
} finally {
  await rm(base, { recursive: true, force: true });
}
