// Copy of a 256 MiB object on Ceph RGW (S3_ENDPOINT etc., or a cluster
// started with scripts/ceph/start.sh, as in s3.bench.mjs; skipped, saying
// why, when none can run). Contenders, alternating round by round, medians:
//   - raw SDK CopyObject (the baseline);
//   - Storage.copy (one CopyObject after a HEAD: the driver's path up to
//     multipartCopyThreshold, 5 GiB);
//   - Storage.copy as a multipart copy (multipartCopyThreshold lowered to
//     8 MiB: 32 UploadPartCopy parts of 8 MiB, 4 at a time);
//   - get + put through the client (Storage.get's stream into Storage.put).
// The object bytes that pass through the client are counted by wrapping the
// SDK's request handler: bodies of PUT requests (PutObject, UploadPart) and
// of GET responses. XML bodies (CopyObject results, CompleteMultipartUpload)
// are counted apart. A server-side copy must show 0 object bytes.
// Each target is deleted after its run and RGW's garbage collector is run
// (untimed): the test cluster's OSD holds 2 GiB in memory.
import { Transform, Readable } from "node:stream";
import { CopyObjectCommand } from "@aws-sdk/client-s3";
import { createStorage } from "@stowage/core";
import { alternate, benchDriver, collectRgwGarbage, median, startServer } from "./bench-servers.mjs";

const mebibyte = 1024 * 1024;
const size = 256 * mebibyte;
const rounds = Number(process.env.COPY_BENCH_ROUNDS ?? 5);

/** Counts body bytes through `client`'s request handler into `counter`. */
function countBodies(client, counter) {
  const handler = client.config.requestHandler;
  const handle = handler.handle.bind(handler);
  const counting = (field) =>
    new Transform({
      transform(chunk, _encoding, callback) {
        counter[field] += chunk.byteLength;
        callback(null, chunk);
      },
    });
  handler.handle = async (request, options) => {
    const objectBytes = request.method === "PUT" && !request.headers["x-amz-copy-source"];
    const field = objectBytes ? "object" : "other";
    const body = request.body;
    if (body instanceof Uint8Array) counter[field] += body.byteLength;
    else if (typeof body === "string") counter[field] += Buffer.byteLength(body);
    else if (body instanceof Readable) request.body = body.pipe(counting(field));
    else if (body !== undefined && body !== null) throw new Error(`uncounted request body ${Object.prototype.toString.call(body)}`);
    const result = await handle(request, options);
    const response = result.response.body;
    if (response instanceof Readable) {
      const xml = /xml/.test(result.response.headers["content-type"] ?? "");
      result.response.body = response.pipe(counting(request.method === "GET" && !xml ? "object" : "other"));
    }
    return result;
  };
}

const server = startServer("ceph-rgw");
if (server.environment === null) {
  console.log(`copy bench SKIPPED: ${server.reason}`);
  process.exit(0);
}
try {
  const environment = server.environment;
  const counter = { object: 0, other: 0 };
  const driver = benchDriver(environment);
  countBodies(driver.raw, counter);
  const storage = createStorage(driver);
  const multipart = createStorage(benchDriver(environment, { client: driver.raw, multipartCopyThreshold: 8 * mebibyte, partSize: 8 * mebibyte }));
  const prefix = `bench/copy-${Date.now().toString(36)}/`;
  const source = `${prefix}source-256`;
  let produced = 0;
  await storage.put(
    source,
    new ReadableStream({
      pull(controller) {
        if (produced >= size) return controller.close();
        controller.enqueue(new Uint8Array(mebibyte).fill(produced / mebibyte));
        produced += mebibyte;
      },
    }),
    { size, contentType: "application/octet-stream" },
  );
  const bytes = new Map();
  const contenders = [
    {
      target: `${prefix}raw`,
      label: "raw SDK CopyObject",
      run: () =>
        driver.raw.send(new CopyObjectCommand({ Bucket: environment.bucket, Key: `${prefix}raw`, CopySource: `${environment.bucket}/${source}` })),
    },
    { target: `${prefix}copy`, label: "Storage.copy (CopyObject)", run: () => storage.copy(source, `${prefix}copy`) },
    { target: `${prefix}multipart`, label: "Storage.copy (multipart, 8 MiB parts)", run: () => multipart.copy(source, `${prefix}multipart`) },
    {
      target: `${prefix}through`,
      label: "get + put through the client",
      run: async () => {
        const object = await storage.get(source);
        await storage.put(`${prefix}through`, object.body, { size: object.size, contentType: object.contentType });
      },
    },
  ];
  for (const contender of contenders) {
    const run = contender.run;
    contender.run = async () => {
      counter.object = 0;
      counter.other = 0;
      await run();
      bytes.set(contender.label, { ...counter });
    };
  }
  let collected = false;
  const hooks = {
    // Untimed: at most the source and one target are held at a time.
    after: async (contender) => {
      await storage.delete(contender.target);
      collected = collectRgwGarbage(environment) || collected;
    },
  };
  // One warm-up each, then alternating rounds.
  await alternate(contenders, 1, hooks);
  const samples = await alternate(contenders, rounds, hooks);
  const baseline = median(samples[0]);
  console.table(
    contenders.map((contender, index) => ({
      contender: contender.label,
      "median ms": median(samples[index]).toFixed(0),
      "MiB/s": ((size / mebibyte) / (median(samples[index]) / 1000)).toFixed(0),
      ratio: index === 0 ? "baseline" : `${(median(samples[index]) / baseline).toFixed(2)}x`,
      "object bytes through client": bytes.get(contender.label).object.toLocaleString("en-US"),
      "other body bytes (XML)": bytes.get(contender.label).other.toLocaleString("en-US"),
    })),
  );
  console.log(`256 MiB object, ${rounds} alternating rounds after one warm-up each, on ${environment.label} (${environment.endpoint})`);
  console.log("object bytes through client: bodies sent (PUT) plus received (GET); get + put moves the object twice");
  await storage.deletePrefix(prefix);
  if (!collectRgwGarbage(environment) && !collected) console.log("note: radosgw-admin was not available, so RGW's garbage collector did not run");
  driver.raw.destroy();
} finally {
  server.stop();
}
