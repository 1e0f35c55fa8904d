// One streamed upload of uploads.bench.mjs's workload 2, run in its own
// process so its peak RSS is its own (not a bench itself: no .bench.mjs
// suffix). Usage: node upload-child.mjs <which> <environment JSON> <bytes> <key>
// with <which> one of
//   ours   - storage.put(key, stream) through s3Driver (8 MiB parts, 4 at a time);
//   sdk    - @aws-sdk/lib-storage Upload over the driver's S3Client, same parts.
// Prints one JSON line: seconds, CPU seconds, RSS before, peak RSS (VmHWM)
// and where the time went (phases).
import { readFileSync } from "node:fs";
import { Upload } from "@aws-sdk/lib-storage";
import { createStorage } from "@stowage/core";
import { benchDriver } from "./bench-servers.mjs";

const mebibyte = 1024 * 1024;
const partSize = 8 * mebibyte;
const concurrency = 4;
const contentType = "application/octet-stream";

/** `size` bytes in 1 MiB chunks of varying content, produced on demand (unknown length to the reader). */
function generatedStream(size) {
  let produced = 0;
  return new ReadableStream({
    pull(controller) {
      if (produced >= size) return controller.close();
      const length = Math.min(mebibyte, size - produced);
      controller.enqueue(new Uint8Array(length).fill((produced / mebibyte) % 251));
      produced += length;
    },
  });
}

/** Records each command `client` sends: `{ name, start, end }` (performance.now() ms). */
function traceCommands(client) {
  const calls = [];
  const send = client.send.bind(client);
  client.send = async (command, ...rest) => {
    const call = { name: command.constructor.name.replace(/Command$/, ""), start: performance.now(), end: 0 };
    calls.push(call);
    try {
      return await send(command, ...rest);
    } finally {
      call.end = performance.now();
    }
  };
  return calls;
}

/**
 * Where an upload's time went: before the first part was sent (reading the
 * body, CreateMultipartUpload), the part phase and its mean parts in flight,
 * and after the last part answered (CompleteMultipartUpload, any HEAD).
 */
function phases(calls, started, ended) {
  const parts = calls.filter((call) => call.name === "UploadPart");
  if (parts.length === 0) return { commands: calls.map((call) => call.name).join(",") };
  const first = Math.min(...parts.map((call) => call.start));
  const last = Math.max(...parts.map((call) => call.end));
  const busy = parts.reduce((sum, call) => sum + (call.end - call.start), 0);
  const count = (name) => calls.filter((call) => call.name === name).length;
  return {
    beforeFirstPartMs: first - started,
    partPhaseMs: last - first,
    meanPartsInFlight: busy / (last - first),
    meanPartMs: busy / parts.length,
    afterLastPartMs: ended - last,
    heads: count("HeadObject"),
    parts: parts.length,
  };
}

const [, , which, environmentJson, sizeText, key] = process.argv;
if (which !== undefined) {
  const environment = JSON.parse(environmentJson);
  const size = Number(sizeText);
  const driver = benchDriver(environment, { partSize, queueSize: concurrency });
  const calls = traceCommands(driver.raw);
  const rssBefore = process.memoryUsage().rss;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  if (which === "ours") {
    await createStorage(driver).put(key, generatedStream(size), { contentType });
  } else if (which === "sdk") {
    const upload = new Upload({
      client: driver.raw,
      params: { Bucket: environment.bucket, Key: key, Body: generatedStream(size), ContentType: contentType },
      partSize,
      queueSize: concurrency,
      leavePartsOnError: false,
    });
    await upload.done();
  } else {
    throw new Error(`unknown contender ${which}`);
  }
  const ended = performance.now();
  const cpu = process.cpuUsage(cpuBefore);
  driver.raw.destroy();
  // VmHWM is this process's own peak: getrusage's maxrss would include the
  // parent's RSS at fork (Linux carries it across exec).
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  const peakRss = hwm === null ? process.resourceUsage().maxRSS * 1024 : Number(hwm[1]) * 1024;
  console.log(
    JSON.stringify({ seconds: (ended - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, rssBefore, peakRss, phases: phases(calls, started, ended) }),
  );
  process.exit(0);
}
