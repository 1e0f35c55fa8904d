// Copy benchmark for @stowage/fs (built dist: run `pnpm --filter @stowage/core
// --filter @stowage/fs build` first, or `pnpm bench fs`). One 256 MiB object
// on the OS temp directory's file system, copied to another key of the same
// root, contenders alternating in each round (the order rotates), 5 rounds:
//
// - Storage.copy: the fs driver's copy (a kernel clone of the object file,
//   copyFile with COPYFILE_FICLONE, plus an in-place header rewrite).
// - get + put: Storage.get's body stream piped into Storage.put (what a copy
//   costs without server-side copy). Baseline. Target: copy <= 0.5x.
// - fs.copyFile of the object file (COPYFILE_FICLONE), the floor.
//
// Each target is deleted after it is timed, so every round writes a new file.
import { constants } from "node:fs";
import { copyFile, mkdtemp, rm, statfs } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStorage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";

const objectBytes = 256 * 1024 * 1024;
const chunkBytes = 1024 * 1024;
const rounds = Number(process.env.ROUNDS ?? 5);
const gc = globalThis.gc ?? (() => {});

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** 256 MiB in 1 MiB chunks that differ from one another (no run a file system could dedupe). */
function sourceBody() {
  let made = 0;
  return new ReadableStream({
    pull(controller) {
      if (made === objectBytes) return controller.close();
      const chunk = new Uint8Array(chunkBytes);
      const view = new DataView(chunk.buffer);
      for (let offset = 0; offset < chunkBytes; offset += 4096) view.setUint32(offset, made + offset);
      made += chunkBytes;
      controller.enqueue(chunk);
    },
  });
}

const base = await mkdtemp(join(tmpdir(), "stowage-copy-bench-"));
try {
  const driver = fsDriver({ root: base });
  const storage = createStorage(driver);
  await storage.put("source.bin", sourceBody(), { size: objectBytes, contentType: "application/octet-stream", metadata: { bench: "copy" } });
  const sourceFile = join(base, "source.bin");
  const fsType = (await statfs(base)).type.toString(16);
  const contenders = {
    "Storage.copy": async () => {
      await storage.copy("source.bin", "copied.bin");
      await storage.delete("copied.bin");
    },
    "get + put (streamed)": async () => {
      const object = await storage.get("source.bin");
      await storage.put("reput.bin", object.body, { size: object.size, contentType: object.contentType, metadata: object.metadata });
      await storage.delete("reput.bin");
    },
    "fs.copyFile (floor)": async () => {
      await copyFile(sourceFile, join(base, "raw-copy"), constants.COPYFILE_FICLONE);
      await rm(join(base, "raw-copy"));
    },
  };
  const names = Object.keys(contenders);
  const times = Object.fromEntries(names.map((name) => [name, []]));
  // One warm-up of each (page cache, thread pool), not counted.
  for (const name of names) await contenders[name]();
  for (let round = 0; round < rounds; round++) {
    for (let index = 0; index < names.length; index++) {
      const name = names[(index + round) % names.length];
      gc();
      const started = process.hrtime.bigint();
      await contenders[name]();
      times[name].push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  const baseline = median(times["get + put (streamed)"]);
  console.log(`copy of a ${objectBytes / 1024 / 1024} MiB object, ${rounds} rounds, Node ${process.version}, file system magic 0x${fsType} (${base})`);
  for (const name of names) {
    const value = median(times[name]);
    console.log(
      `  ${name.padEnd(22)} median ${value.toFixed(1).padStart(8)} ms  (${times[name].map((time) => time.toFixed(0)).join(", ")})  ${(value / baseline).toFixed(2)}x get+put`,
    );
  }
  const ratio = median(times["Storage.copy"]) / baseline;
  console.log(`  Storage.copy / get+put = ${ratio.toFixed(2)} (target <= 0.5): ${ratio <= 0.5 ? "met" : "MISSED"}`);
  await driver.close();
} finally {
  await rm(base, { recursive: true, force: true });
}
