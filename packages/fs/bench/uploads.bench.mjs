// Benchmark of multipart upload sessions on @stowage/fs (built dist: run
// `pnpm --filter @stowage/core --filter @stowage/http --filter @stowage/fs build`
// first), then `node --expose-gc packages/fs/bench/uploads.bench.mjs`.
//
// 1 GiB (STOWAGE_BENCH_MIB=<n> for n MiB) on the OS temp directory, each
// contender in its own child process (so its peak RSS is its own), taking
// turns round after round; medians of the rounds:
//
// - baseline, "raw write": the same bytes (1 MiB chunks) from a Readable
//   piped into fs.createWriteStream (pipeline), one file.
// - "signed parts": Storage.uploads.create (8 MiB parts), part URLs signed
//   by the fs driver's HMAC signer and served by @stowage/http's
//   createSignedUrlHandler over node:http; a Node fetch client in its own
//   process (as a browser is) PUTs the parts (each streamed from a reused
//   buffer, with its Content-Length), 4 at a time; then Storage.uploads.complete (the
//   parts are streamed into one temporary file, published with one rename).
//   The figure covers the whole session: create, sign, PUTs, complete.
//
// Target: signed parts >= 0.7x the raw write's throughput; the server
// process's peak RSS (handler and driver) <= 150 MiB. The client's peak RSS
// is printed too.
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { createStorage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { createSignedUrlHandler } from "@stowage/http";
import { toNodeListener } from "@stowage/http/node";

const mebibyte = 1024 * 1024;
const totalBytes = Number(process.env.STOWAGE_BENCH_MIB ?? 1024) * mebibyte;
const partSize = 8 * mebibyte;
const concurrency = 4;
const chunkBytes = mebibyte;
const rounds = Number(process.env.STOWAGE_BENCH_ROUNDS ?? 3);
const secrets = [{ id: "bench", secret: "fs-uploads-bench-secret-0123456789abcdef" }];

/** Peak RSS of this process image in MiB (VmHWM; ru_maxrss would include a forked parent's). */
function peakRssMiB() {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]) / 1024;
  } catch {}
  return process.resourceUsage().maxRSS / 1024;
}

/** The raw write, in a child: prints { ms, peakRssMiB }. */
async function rawChild(base) {
  const chunk = Buffer.alloc(chunkBytes, 0x5a);
  const path = join(base, "raw.bin");
  const started = performance.now();
  await pipeline(
    Readable.from(
      (function* () {
        for (let written = 0; written < totalBytes; written += chunkBytes) yield chunk.subarray(0, Math.min(chunkBytes, totalBytes - written));
      })(),
    ),
    createWriteStream(path),
  );
  const ms = performance.now() - started;
  await rm(path, { force: true });
  process.stdout.write(JSON.stringify({ ms, peakRssMiB: peakRssMiB() }));
}

/**
 * A part body streamed in 256 KiB slices of the worker's buffer, with its
 * Content-Length set, as a browser streams a File slice. (A whole Buffer
 * body makes undici copy it: 4 x 8 MiB more in the client.)
 */
function sliceStream(buffer, length) {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= length) return controller.close();
      const size = Math.min(256 * 1024, length - offset);
      controller.enqueue(buffer.subarray(offset, offset + size));
      offset += size;
    },
  });
}

/**
 * The client, in its own process (as a browser would be): reads the signed
 * part requests as JSON on stdin, PUTs them 4 at a time with Node fetch,
 * prints { etags, peakRssMiB }.
 */
async function clientChild() {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const requests = JSON.parse(input);
  let next = 0;
  const etags = new Array(requests.length);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      // One part buffer per client worker, reused (a browser would slice a File).
      const buffer = Buffer.alloc(partSize, 0x5a);
      while (next < requests.length) {
        const { partNumber, length, url, method, headers } = requests[next++];
        const response = await fetch(url, {
          method,
          headers: { ...headers, "content-length": String(length) },
          body: sliceStream(buffer, length),
          duplex: "half",
        });
        if (response.status !== 200) throw new Error(`part ${partNumber}: ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
        etags[partNumber - 1] = { partNumber, etag: response.headers.get("etag") };
      }
    }),
  );
  process.stdout.write(JSON.stringify({ etags, peakRssMiB: peakRssMiB() }));
}

/** Runs the client process with `requests`; resolves with its report. */
function runClient(requests) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "child", "client"], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`client failed: ${stderr}`))));
    child.stdin.end(JSON.stringify(requests));
  });
}

/**
 * The server side of the signed-part upload, in a child: creates the
 * session, signs every part, serves the PUTs of a client process through
 * the handler over node:http, completes. Prints { ms, completeMs,
 * peakRssMiB, clientPeakRssMiB }; `ms` covers the whole session.
 */
async function uploadChild(base) {
  const root = join(base, "root");
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${server.address().port}`;
  const driver = fsDriver({ root, signing: { secrets, baseUrl: `${baseUrl}/__storage` } });
  await driver.ready;
  const storage = createStorage(driver);
  const handler = createSignedUrlHandler(storage, { secrets, basePath: "/__storage" });
  server.on("request", toNodeListener(handler));

  const started = performance.now();
  const session = await storage.uploads.create("bench/upload.bin", { size: totalBytes, partSize, contentType: "application/octet-stream" });
  const partNumbers = Array.from({ length: session.partCount }, (_, index) => index + 1);
  const requests = [];
  for (let from = 0; from < partNumbers.length; from += 100) {
    const batch = partNumbers.slice(from, from + 100);
    const signed = await storage.uploads.signParts(session, batch);
    for (const [index, request] of signed.entries()) {
      const partNumber = batch[index];
      const length = Math.min(partSize, totalBytes - (partNumber - 1) * partSize);
      requests.push({ partNumber, length, url: request.url, method: request.method, headers: request.headers });
    }
  }
  const client = await runClient(requests);
  const completing = performance.now();
  const info = await storage.uploads.complete(session, client.etags);
  const ms = performance.now() - started;
  const completeMs = performance.now() - completing;
  if (info.size !== totalBytes) throw new Error(`completed ${info.size} bytes, not ${totalBytes}`);
  await storage.delete("bench/upload.bin");
  server.close();
  server.closeAllConnections?.();
  await driver.close();
  process.stdout.write(JSON.stringify({ ms, completeMs, peakRssMiB: peakRssMiB(), clientPeakRssMiB: client.peakRssMiB }));
}

function runChild(kind, base) {
  const result = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "child", kind, base], {
    encoding: "utf8",
    maxBuffer: 16 * mebibyte,
  });
  if (result.status !== 0) throw new Error(`${kind} child failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

function median(values) {
  return [...values].sort((a, b) => a - b)[values.length >> 1];
}

function table(title, rows) {
  const widths = rows[0].map((_, index) => Math.max(...rows.map((row) => String(row[index]).length)));
  console.log(`\n${title}`);
  for (const row of rows) console.log(`  ${row.map((cell, index) => (index === 0 ? String(cell).padEnd(widths[index]) : String(cell).padStart(widths[index]))).join("  ")}`);
}

async function main() {
  const base = await mkdtemp(join(tmpdir(), "stowage-fs-uploads-bench-"));
  try {
    const mib = totalBytes / mebibyte;
    console.log(`@stowage/fs upload-session benchmark on Node ${process.version}: ${mib} MiB, ${partSize / mebibyte} MiB parts, concurrency ${concurrency}, ${rounds} rounds, in ${base}`);
    const raw = [];
    const ours = [];
    // One untimed warm-up of each, then the contenders take turns.
    runChild("raw", base);
    runChild("upload", base);
    for (let round = 0; round < rounds; round++) {
      raw.push(runChild("raw", base));
      ours.push(runChild("upload", base));
    }
    const rawMs = median(raw.map((run) => run.ms));
    const oursMs = median(ours.map((run) => run.ms));
    const rawMiBs = mib / (rawMs / 1000);
    const oursMiBs = mib / (oursMs / 1000);
    const ratio = oursMiBs / rawMiBs;
    const peak = Math.max(...ours.map((run) => run.peakRssMiB));
    table(`${mib} MiB (child processes; medians of ${rounds}; throughput in MiB/s, higher is better)`, [
      ["workload", "raw write", "signed parts", "ratio", "target"],
      ["throughput (MiB/s)", rawMiBs.toFixed(0), oursMiBs.toFixed(0), `${ratio.toFixed(2)}x`, ">= 0.7x"],
      ["peak RSS (MiB)", Math.max(...raw.map((run) => run.peakRssMiB)).toFixed(0), peak.toFixed(0), "", "<= 150"],
      ["client peak RSS (MiB)", "", Math.max(...ours.map((run) => run.clientPeakRssMiB)).toFixed(0), "", ""],
    ]);
    const completeMs = median(ours.map((run) => run.completeMs));
    const completeMiBs = mib / (completeMs / 1000);
    console.log(`  of which complete (median): ${completeMs.toFixed(0)} ms, ${completeMiBs.toFixed(0)} MiB/s (${(completeMiBs / rawMiBs).toFixed(2)}x the raw write)`);
    console.log(`  part PUTs through HTTP: ${(mib / ((oursMs - completeMs) / 1000)).toFixed(0)} MiB/s`);
    console.log(`\n${ratio >= 0.7 ? "meets" : "MISSES"} the throughput target; ${peak <= 150 ? "meets" : "MISSES"} the RSS target`);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

if (process.argv[2] === "child") {
  if (process.argv[3] === "raw") await rawChild(process.argv[4]);
  else if (process.argv[3] === "client") await clientChild();
  else await uploadChild(process.argv[4]);
} else {
  await main();
}
