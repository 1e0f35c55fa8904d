// Uploads `parts` parts of `partSize` bytes (each streamed in), completes them, reads the object back, and reports peak RSS.
// argv: bundle path, JSON { root, parts, partSize }
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/** Peak RSS of this process image (VmHWM: see round-trip-worker.mjs). */
function peakRssKiB() {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]);
  } catch {}
  return process.resourceUsage().maxRSS;
}
const [bundlePath, argumentText] = process.argv.slice(2);
const { fsDriver, createStorage } = await import(bundlePath);
const { root, parts, partSize } = JSON.parse(argumentText);
const driver = fsDriver({
  root,
  cleanupOnStart: false,
  signing: { secrets: [{ id: "test", secret: "fs-upload-memory-secret-0123456789abcdef" }], baseUrl: "http://localhost/__storage" },
});
const storage = createStorage(driver);
await driver.ready;

// Each part is one 64 KiB chunk (filled with the part's number) handed out over and over.
const chunkBytes = 64 * 1024;
function partStream(partNumber) {
  const chunk = new Uint8Array(chunkBytes).fill(partNumber);
  let produced = 0;
  return new ReadableStream({
    pull(controller) {
      if (produced >= partSize) return controller.close();
      produced += chunkBytes;
      controller.enqueue(chunk);
    },
  });
}
const expected = createHash("sha256");
for (let partNumber = 1; partNumber <= parts; partNumber++) {
  const chunk = new Uint8Array(chunkBytes).fill(partNumber);
  for (let done = 0; done < partSize; done += chunkBytes) expected.update(chunk);
}
const idleRssMiB = process.memoryUsage().rss / 1048576;
const session = await storage.uploads.create("big/uploaded", { size: parts * partSize, partSize });
for (let partNumber = 1; partNumber <= parts; partNumber++) {
  await driver.uploadPart(session.key, session.uploadId, partNumber, partStream(partNumber), { size: partSize });
}
const started = performance.now();
const info = await storage.uploads.complete(session);
const completeMs = performance.now() - started;

const object = await storage.get("big/uploaded");
const hash = createHash("sha256");
let read = 0;
for await (const chunk of object.body) {
  hash.update(chunk);
  read += chunk.byteLength;
}
process.stdout.write(
  JSON.stringify({
    size: info.size,
    read,
    readSum: hash.digest("hex"),
    expectedSum: expected.digest("hex"),
    completeMs,
    idleRssMiB,
    maxRssMiB: peakRssKiB() / 1024,
  }),
);
