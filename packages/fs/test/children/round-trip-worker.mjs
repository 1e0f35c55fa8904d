// Puts `bytes` bytes as a stream, reads them back as a stream, and reports peak RSS.
// argv: bundle path, JSON { root, bytes }
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * Peak RSS of this process image. VmHWM, not getrusage: Linux keeps the
 * pre-exec high-water mark in ru_maxrss, so a child forked from a big
 * parent (the vitest worker) would report the parent's peak.
 */
function peakRssKiB() {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]);
  } catch {}
  return process.resourceUsage().maxRSS;
}
const [bundlePath, argumentText] = process.argv.slice(2);
const { fsDriver, createStorage } = await import(bundlePath);
const { root, bytes } = JSON.parse(argumentText);
const storage = createStorage(fsDriver({ root, cleanupOnStart: false }));

// The producer hands out one chunk over and over (its bytes never change), so
// the figure measures the driver's own memory, not the garbage of the source.
const chunkBytes = 64 * 1024;
const chunk = new Uint8Array(chunkBytes).fill(0x5a);
let produced = 0;
const source = new ReadableStream({
  pull(controller) {
    if (produced >= bytes) return controller.close();
    const size = Math.min(chunkBytes, bytes - produced);
    produced += size;
    controller.enqueue(size === chunkBytes ? chunk : chunk.subarray(0, size));
  },
});
const idleRssMiB = process.memoryUsage().rss / 1048576;
const started = performance.now();
const info = await storage.put("big/object", source, { size: bytes });
const putMs = performance.now() - started;

const object = await storage.get("big/object");
const hash = createHash("sha256");
let read = 0;
for await (const chunk of object.body) {
  hash.update(chunk);
  read += chunk.byteLength;
}
const getMs = performance.now() - started - putMs;
const headEtag = (await storage.head("big/object")).etag;
const expected = createHash("sha256");
for (let done = 0; done < bytes; done += chunkBytes) expected.update(chunk.subarray(0, Math.min(chunkBytes, bytes - done)));
await storage.delete("big/object");
process.stdout.write(
  JSON.stringify({
    etag: info.etag,
    headEtag,
    getEtag: object.etag,
    expectedSum: expected.digest("hex"),
    readSum: hash.digest("hex"),
    read,
    putMs,
    getMs,
    maxRssMiB: peakRssKiB() / 1024,
    idleRssMiB,
    node: process.version,
  }),
);
