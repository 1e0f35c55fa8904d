// Benchmarks for signed URLs: @stowage/core's HMAC signer and @stowage/http's
// handler, over the memory driver (built dist: `pnpm bench http`, or build
// core, memory and http first). Every figure is a median over rounds; every
// ratio is against a baseline measured in this same run.
//
// 1. Minting signed URLs through Storage (key + option validation, HMAC-SHA256
//    via crypto.subtle, URL building). Target: >= 50,000 URLs/s.
//    - "sequential": one await after another (one request minting one URL).
//    - "batch of 100": Promise.all over 100 URLs, as a page that lists 100
//      files and signs a GET for each. crypto.subtle runs HMAC jobs off the
//      main thread, so concurrent mints overlap.
//    - baseline "bare crypto.subtle.sign": the HMAC alone, same batching.
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

/** Runs `body(op)` opsPerRound times per round; returns the median microseconds per op. */
async function measure(body, { rounds, opsPerRound }) {
  for (let op = 0; op < opsPerRound; op++) await body(op);
  gc();
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    for (let op = 0; op < opsPerRound; op++) await body(op);
    samples.push(((performance.now() - start) * 1000) / opsPerRound);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

function table(title, rows) {
  console.log(`\n${title}`);
  const width = Math.max(...rows.map((row) => row[0].length));
  for (const row of rows) console.log(`  ${row[0].padEnd(width)}  ${row.slice(1).join("  ")}`);
}

const perSecond = (micros) => Math.round(1e6 / micros).toLocaleString("en-US").padStart(9);
const micro = (micros) => `${micros.toFixed(1).padStart(8)} µs`;

// 1. Minting
const driver = memoryDriver({ signing: { secrets, baseUrl: "https://files.example.com/__storage" } });
const storage = createStorage(driver);
const hmacKey = await crypto.subtle.importKey(
  "raw",
  new TextEncoder().encode(secrets[0].secret),
  { name: "HMAC", hash: "SHA-256" },
  false,
  ["sign"],
);
const sample = new TextEncoder().encode(JSON.stringify(["stowage-hmac-v1", "PUT", "uploads/user-42/photo-0001.jpg", "1767225600000", "bench", "image/jpeg", null, "10485760", null, null, null, null]));
const batch = 100;
const putOptions = { contentType: "image/jpeg", maxSize: 10 * 1024 * 1024, expiresIn: 600 };

const bareSequential = await measure(() => crypto.subtle.sign("HMAC", hmacKey, sample), { rounds: 9, opsPerRound: 2000 });
const bareBatch =
  (await measure(() => Promise.all(Array.from({ length: batch }, () => crypto.subtle.sign("HMAC", hmacKey, sample))), {
    rounds: 9,
    opsPerRound: 40,
  })) / batch;
const putSequential = await measure((op) => storage.signPut(`uploads/user-42/photo-${op}.jpg`, putOptions), { rounds: 9, opsPerRound: 2000 });
const putBatch =
  (await measure(
    (op) => Promise.all(Array.from({ length: batch }, (_, index) => storage.signPut(`uploads/user-42/photo-${op}-${index}.jpg`, putOptions))),
    { rounds: 9, opsPerRound: 40 },
  )) / batch;
const getBatch =
  (await measure(
    (op) =>
      Promise.all(
        Array.from({ length: batch }, (_, index) => storage.signGet(`uploads/user-42/photo-${op}-${index}.jpg`, { downloadFilename: "photo.jpg" })),
      ),
    { rounds: 9, opsPerRound: 40 },
  )) / batch;

table("Minting signed URLs (memory driver), target >= 50,000 URLs/s", [
  ["", "  per URL  ", "   URLs/s", "vs bare HMAC", "vs target"],
  ["bare crypto.subtle.sign, sequential", micro(bareSequential), perSecond(bareSequential), "1.00x       ", `${(1e6 / bareSequential / 50000).toFixed(2)}x`],
  ["signPut, sequential", micro(putSequential), perSecond(putSequential), `${(putSequential / bareSequential).toFixed(2)}x       `, `${(1e6 / putSequential / 50000).toFixed(2)}x`],
  ["bare crypto.subtle.sign, batch of 100", micro(bareBatch), perSecond(bareBatch), "1.00x       ", `${(1e6 / bareBatch / 50000).toFixed(2)}x`],
  ["signPut, batch of 100", micro(putBatch), perSecond(putBatch), `${(putBatch / bareBatch).toFixed(2)}x       `, `${(1e6 / putBatch / 50000).toFixed(2)}x`],
  ["signGet, batch of 100", micro(getBatch), perSecond(getBatch), `${(getBatch / bareBatch).toFixed(2)}x       `, `${(1e6 / getBatch / 50000).toFixed(2)}x`],
]);

// 2. Handler PUT of 1 MiB. The variants run interleaved, round by round, so
// the load of a shared machine falls on all of them alike.
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
const variants = {
  direct: (op) => putStorage.put(`bench/direct-${op % keys}.bin`, bytes, { contentType: "application/octet-stream" }),
  directStream: (op) => putStorage.put(`bench/stream-${op % keys}.bin`, streamOf(), { contentType: "application/octet-stream" }),
  handlerStream: async (op) =>
    expectOk(
      await handler(
        new Request(signedUrls[op % keys].url, {
          method: "PUT",
          body: streamOf(),
          duplex: "half",
          headers: { "content-type": "application/octet-stream" },
        }),
      ),
    ),
  handlerBytes: async (op) =>
    expectOk(
      await handler(
        new Request(signedUrls[op % keys].url, { method: "PUT", body: bytes, headers: { "content-type": "application/octet-stream" } }),
      ),
    ),
  overHttp: async (op) =>
    expectOk(await fetch(signedUrls[op % keys].url, { method: "PUT", body: bytes, headers: { "content-type": "application/octet-stream" } })),
};
const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let round = -2; round < 15; round++) {
  for (const [name, body] of Object.entries(variants)) {
    const ops = name === "overHttp" ? 10 : 30;
    gc();
    const start = performance.now();
    for (let op = 0; op < ops; op++) await body(op);
    if (round >= 0) samples[name].push(((performance.now() - start) * 1000) / ops);
  }
}
await served.close();
const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
const [direct, directStream, handlerStream, handlerBytes, overHttp] = Object.keys(variants).map((name) => median(samples[name]));

const mib = (micros) => `${(1e6 / micros).toFixed(0).padStart(6)} MiB/s`;
const ratio = (value, base) => `${(value / base).toFixed(2)}x`.padStart(6);
table("PUT of 1 MiB bodies (memory driver), target handler <= 1.3x storage.put", [
  ["", "   per PUT ", "   throughput", "vs put(stream)", "vs put(bytes)"],
  ["storage.put(stream, 64 KiB chunks) [baseline]", micro(directStream), mib(directStream), ratio(directStream, directStream).padEnd(14), ratio(directStream, direct)],
  ["storage.put(Uint8Array)", micro(direct), mib(direct), ratio(direct, directStream).padEnd(14), ratio(direct, direct)],
  ["handler(Request), stream body, in process", micro(handlerStream), mib(handlerStream), ratio(handlerStream, directStream).padEnd(14), ratio(handlerStream, direct)],
  ["handler(Request), Uint8Array body, in process", micro(handlerBytes), mib(handlerBytes), ratio(handlerBytes, directStream).padEnd(14), ratio(handlerBytes, direct)],
  ["handler over HTTP (node:http + fetch)", micro(overHttp), mib(overHttp), `${ratio(overHttp, directStream)} (info)`.padEnd(14), ratio(overHttp, direct)],
]);
