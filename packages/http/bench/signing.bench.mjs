// Benchmarks for signed URLs: @stowage/core's HMAC signer and @stowage/http's
// handler, over the memory driver (built dist: `pnpm bench http`, or build
// core, memory and http first). Every figure is a median over rounds; every
// ratio is against a baseline measured in this same run. Variants run
// interleaved, round by round, so the load of a shared machine falls on all
// of them alike.
//
// 1. Minting signed URLs through Storage (key and option validation,
//    HMAC-SHA256 via crypto.subtle, URL building). Target: >= 50,000 URLs/s.
//    - "sequential": one await after another (one request minting one URL).
//    - "batch of 100": Promise.all over 100 URLs, as a page that lists 100
//      files and signs a GET for each. Node runs crypto.subtle HMAC jobs on
//      its thread pool, so concurrent mints overlap.
//    - baseline "bare crypto.subtle.sign": the HMAC alone (a cached key, a
//      200-byte text), same batching: the floor for any subtle-based signer.
// 2. Handler PUT of 1 MiB bodies. Target: handler <= 1.3x storage.put.
//    - baseline "storage.put(stream)": the direct call with the body as it
//      arrives from a network, a stream of 64 KiB chunks (like for like: the
//      handler always receives a stream).
//    - "storage.put(Uint8Array)": the direct call with the bytes in hand.
//    - "handler(Request), stream body": a signed PUT (contentType + maxSize)
//      whose body is the same 64 KiB-chunk stream, handed to
//      createSignedUrlHandler in process: signature check, constraint checks,
//      byte counting, storage.put of the streamed body, JSON answer.
//    - "handler(Request), Uint8Array body": the same with a Uint8Array body
//      (the Request constructor copies it, and that copy is counted).
//    - "handler over HTTP": node:http on 127.0.0.1 with fetch (loopback
//      socket, informative only).
import { createStorage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { createSignedUrlHandler } from "@stowage/http";
import { serveHandler } from "@stowage/http/node";

const gc = globalThis.gc ?? (() => {});
const secrets = [{ id: "bench", secret: "benchmark-secret-0123456789abcdef0123" }];

/**
 * Runs each variant `ops[name]` times per round, every variant in every
 * round, and returns each variant's median microseconds per op divided by
 * `per[name]` (the URLs one op mints).
 */
async function interleaved(variants, { rounds, ops, per = {} }) {
  const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (let round = -2; round < rounds; round++) {
    for (const [name, body] of Object.entries(variants)) {
      gc();
      const start = performance.now();
      for (let op = 0; op < ops[name]; op++) await body(op);
      if (round >= 0) samples[name].push(((performance.now() - start) * 1000) / ops[name] / (per[name] ?? 1));
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, values.sort((a, b) => a - b)[values.length >> 1]]));
}

function table(title, rows) {
  console.log(`\n${title}`);
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
  for (const row of rows) console.log(`  ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[0]) : String(cell).padStart(widths[column]))).join("   ")}`);
}

const micro = (micros) => `${micros.toFixed(1)} µs`;
const perSecond = (micros) => Math.round(1e6 / micros).toLocaleString("en-US");
const ratio = (value, base) => `${(value / base).toFixed(2)}x`;

// 1. Minting
const storage = createStorage(memoryDriver({ signing: { secrets, baseUrl: "https://files.example.com/__storage" } }));
const hmacKey = await crypto.subtle.importKey("raw", new TextEncoder().encode(secrets[0].secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
const sample = new TextEncoder().encode("x".repeat(200));
const batch = 100;
const putOptions = { contentType: "image/jpeg", maxSize: 10 * 1024 * 1024, expiresIn: 600 };
const many = (make) => Promise.all(Array.from({ length: batch }, (_, index) => make(index)));
const minted = await interleaved(
  {
    bareSequential: () => crypto.subtle.sign("HMAC", hmacKey, sample),
    putSequential: (op) => storage.signPut(`uploads/user-42/photo-${op}.jpg`, putOptions),
    bareBatch: () => many(() => crypto.subtle.sign("HMAC", hmacKey, sample)),
    putBatch: (op) => many((index) => storage.signPut(`uploads/user-42/photo-${op}-${index}.jpg`, putOptions)),
    getBatch: (op) => many((index) => storage.signGet(`uploads/user-42/photo-${op}-${index}.jpg`, { downloadFilename: "photo.jpg" })),
  },
  {
    rounds: 11,
    ops: { bareSequential: 2000, putSequential: 2000, bareBatch: 20, putBatch: 20, getBatch: 20 },
    per: { bareBatch: batch, putBatch: batch, getBatch: batch },
  },
);
const target = (micros) => ratio(1e6 / micros, 50000);
table("Minting signed URLs (memory driver), target >= 50,000 URLs/s", [
  ["", "per URL", "URLs/s", "vs bare HMAC", "vs target"],
  ["bare crypto.subtle.sign, sequential [baseline]", micro(minted.bareSequential), perSecond(minted.bareSequential), "1.00x", target(minted.bareSequential)],
  ["storage.signPut, sequential", micro(minted.putSequential), perSecond(minted.putSequential), ratio(minted.putSequential, minted.bareSequential), target(minted.putSequential)],
  ["bare crypto.subtle.sign, batch of 100 [baseline]", micro(minted.bareBatch), perSecond(minted.bareBatch), "1.00x", target(minted.bareBatch)],
  ["storage.signPut, batch of 100", micro(minted.putBatch), perSecond(minted.putBatch), ratio(minted.putBatch, minted.bareBatch), target(minted.putBatch)],
  ["storage.signGet, batch of 100", micro(minted.getBatch), perSecond(minted.getBatch), ratio(minted.getBatch, minted.bareBatch), target(minted.getBatch)],
]);

// 2. Handler PUT of 1 MiB
const size = 1024 * 1024;
const bytes = new Uint8Array(size).map((_, index) => index & 255);
const chunk = 64 * 1024;
const streamOf = () => {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= size) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + chunk));
      offset += chunk;
    },
  });
};
let handler;
const served = await serveHandler((request) => handler(request));
const putStorage = createStorage(memoryDriver({ signing: { secrets, baseUrl: `${served.url}/__storage` } }));
handler = createSignedUrlHandler(putStorage, { secrets, basePath: "/__storage" });
const keys = 16;
const signedUrls = await Promise.all(
  Array.from({ length: keys }, (_, index) =>
    putStorage.signPut(`bench/object-${index}.bin`, { contentType: "application/octet-stream", maxSize: 2 * size, expiresIn: 3600 }),
  ),
);
const expectOk = async (response) => {
  if (response.status !== 200) throw new Error(`handler answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
};
const type = { "content-type": "application/octet-stream" };
const put = await interleaved(
  {
    directStream: (op) => putStorage.put(`bench/stream-${op % keys}.bin`, streamOf(), { contentType: type["content-type"] }),
    direct: (op) => putStorage.put(`bench/direct-${op % keys}.bin`, bytes, { contentType: type["content-type"] }),
    handlerStream: async (op) =>
      expectOk(await handler(new Request(signedUrls[op % keys].url, { method: "PUT", body: streamOf(), duplex: "half", headers: type }))),
    handlerBytes: async (op) => expectOk(await handler(new Request(signedUrls[op % keys].url, { method: "PUT", body: bytes, headers: type }))),
    overHttp: async (op) => expectOk(await fetch(signedUrls[op % keys].url, { method: "PUT", body: bytes, headers: type })),
  },
  { rounds: 15, ops: { directStream: 30, direct: 30, handlerStream: 30, handlerBytes: 30, overHttp: 10 } },
);
await served.close();

const mib = (micros) => `${(1e6 / micros).toFixed(0)} MiB/s`;
table("PUT of 1 MiB bodies (memory driver), target handler <= 1.3x storage.put", [
  ["", "per PUT", "throughput", "vs put(stream)", "vs put(bytes)"],
  ["storage.put(stream, 64 KiB chunks) [baseline]", micro(put.directStream), mib(put.directStream), "1.00x", ratio(put.directStream, put.direct)],
  ["storage.put(Uint8Array)", micro(put.direct), mib(put.direct), ratio(put.direct, put.directStream), "1.00x"],
  ["handler(Request), stream body, in process", micro(put.handlerStream), mib(put.handlerStream), ratio(put.handlerStream, put.directStream), ratio(put.handlerStream, put.direct)],
  ["handler(Request), Uint8Array body, in process", micro(put.handlerBytes), mib(put.handlerBytes), ratio(put.handlerBytes, put.directStream), ratio(put.handlerBytes, put.direct)],
  ["handler over HTTP, node:http + fetch (info)", micro(put.overHttp), mib(put.overHttp), ratio(put.overHttp, put.directStream), ratio(put.overHttp, put.direct)],
]);
