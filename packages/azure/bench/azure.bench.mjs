// Benchmarks for @stowage/azure against Azurite on loopback, and against
// @azure/storage-blob (installed on first use into .tmp/azure-bench, pinned;
// not a workspace dependency). Uses the Azurite named by AZURE_BLOB_ENDPOINT
// (+ AZURE_STORAGE_ACCOUNT, AZURE_STORAGE_KEY, AZURE_CONTAINER); without it,
// starts one with scripts/azurite/start.sh and stops it at the end.
//
// The package is bundled from its sources with esbuild (as an app would
// bundle it), so the bench needs no build and measures what ships.
//
// 1. Bundle size: esbuild --bundle --minify, gzip -9: azureDriver + createStorage
//    (everything a Worker or browser needs) against @azure/storage-blob's
//    BlobServiceClient (browser build) and with StorageSharedKeyCredential
//    (Node build: shared-key auth is Node-only in the SDK).
// 2. SAS URLs per second: sasSigner.signGet against the SDK's
//    generateBlobSASQueryParameters for the same blob and expiry.
// 3. put and get of 4 KiB and 1 MiB: Storage + azureDriver, the raw REST
//    client (AzureRestClient.request: one Put Blob / Get Blob), and the SDK
//    (BlockBlobClient.upload / BlobClient.download + reading the stream).
//    The driver alternates call by call with the raw client, the order
//    rotating each round, then (separately) with the SDK, so drift and order
//    effects hit both sides and the SDK's garbage stays out of the target
//    comparison; figures are medians, and driver/raw is also given as the
//    median of the per-round ratios (robust to load spikes).
//    Target: driver <= 1.05x raw REST.
// 4. A 256 MiB stream of unknown length put through the driver (staged
//    blocks) in a child process; its peak RSS (getrusage maxrss).
//    Target: <= 150 MiB.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "../../../");
// 12.33.0 sends x-ms-version 2026-06-06, the newest Azurite 3.37 accepts (12.34.0 sends 2026-10-06: refused).
const sdkVersion = "12.33.0";
const sdkPrefix = join(root, ".tmp/azure-bench");
const KiB = 1024;
const MiB = 1024 * KiB;

/** Resolves `@stowage/x` to packages/x/src/index.ts (the sources, as the tests do). */
const stowageSources = {
  name: "stowage-sources",
  setup(builder) {
    builder.onResolve({ filter: /^@stowage\/[a-z0-9-]+$/ }, (args) => ({ path: join(root, "packages", args.path.slice("@stowage/".length), "src/index.ts") }));
  },
};

function ensureSdk() {
  const manifest = join(sdkPrefix, "node_modules/@azure/storage-blob/package.json");
  const installed = existsSync(manifest) ? JSON.parse(readFileSync(manifest, "utf8")).version : "";
  if (installed === sdkVersion) return;
  console.log(`installing @azure/storage-blob@${sdkVersion} into .tmp/azure-bench`);
  execFileSync("npm", ["install", "--no-save", "--no-package-lock", "--prefix", sdkPrefix, `@azure/storage-blob@${sdkVersion}`], { stdio: "ignore" });
}

async function bundle(source, platform) {
  const result = await build({
    stdin: { contents: source, resolveDir: root, loader: "ts" },
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    platform,
    target: "es2022",
    plugins: [stowageSources],
    nodePaths: [join(sdkPrefix, "node_modules")],
    logLevel: "silent",
  });
  const bytes = result.outputFiles[0].contents;
  return { raw: bytes.byteLength, gzip: gzipSync(bytes, { level: 9 }).byteLength };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

async function bundleSizes() {
  const rows = [
    ["@stowage/azure: azureDriver + createStorage (browser/Workers)", 'export { azureDriver } from "@stowage/azure"; export { createStorage } from "@stowage/core";', "browser"],
    ["@stowage/azure: sasSigner alone (browser/Workers)", 'export { sasSigner, sasServiceVersion } from "./packages/azure/src/sas-signer.ts";', "browser"],
    ["@azure/storage-blob: BlobServiceClient (browser)", 'export { BlobServiceClient } from "@azure/storage-blob";', "browser"],
    ["@azure/storage-blob: BlobServiceClient + StorageSharedKeyCredential (node)", 'export { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";', "node"],
  ];
  const results = [];
  for (const [label, source, platform] of rows) results.push([label, await bundle(source, platform)]);
  console.log("\n1. bundle size (esbuild --bundle --minify, gzip -9)");
  for (const [label, size] of results) console.log(`   ${label.padEnd(78)} ${kb(size.raw).padStart(10)} min  ${kb(size.gzip).padStart(9)} gzip`);
  const ours = results[0][1].gzip;
  console.log(`   ratio SDK (browser) / ours: ${(results[2][1].gzip / ours).toFixed(1)}x gzip`);
}

// ---- child mode: the 256 MiB streamed put -----------------------------------------
if (process.argv[2] === "--stream-child") {
  const environment = JSON.parse(process.argv[3]);
  const ours = await import(pathToFileURL(process.argv[4]).href);
  const total = Number(process.argv[5]);
  const { endpoint, accountName, accountKey, container } = environment;
  const storage = ours.createStorage(ours.azureDriver({ container, endpoint, accountName, accountKey }));
  let produced = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (produced >= total) return controller.close();
      const chunk = new Uint8Array(MiB);
      chunk.fill(produced / MiB);
      controller.enqueue(chunk);
      produced += MiB;
    },
  });
  const started = performance.now();
  const info = await storage.put("bench/stream-256.bin", body);
  const seconds = (performance.now() - started) / 1000;
  await storage.delete("bench/stream-256.bin");
  console.log(JSON.stringify({ size: info.size, seconds, peakRss: process.resourceUsage().maxRSS * 1024 }));
  process.exit(0);
}

function streamRss(bundleFile, environment) {
  const total = 256 * MiB;
  const output = execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--stream-child", JSON.stringify(environment), bundleFile, String(total)], { encoding: "utf8" });
  const result = JSON.parse(output.trim().split("\n").at(-1));
  console.log("\n4. 256 MiB stream of unknown length through the driver (child process)");
  console.log(`   stored ${result.size === total ? "256 MiB" : `${result.size} bytes (WRONG)`} in ${result.seconds.toFixed(1)} s (${(total / MiB / result.seconds).toFixed(0)} MiB/s); peak RSS ${(result.peakRss / MiB).toFixed(0)} MiB (target <= 150)`);
}

async function loadModules() {
  const dir = mkdtempSync(join(tmpdir(), "stowage-azure-bench-"));
  const file = join(dir, "azure.mjs");
  const result = await build({
    stdin: {
      contents:
        'export { azureDriver, AzureRestClient } from "@stowage/azure"; export { createStorage } from "@stowage/core"; export { sasSigner, sasServiceVersion } from "./packages/azure/src/sas-signer.ts";',
      resolveDir: root,
      loader: "ts",
    },
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "es2022",
    plugins: [stowageSources],
    logLevel: "silent",
  });
  writeFileSync(file, result.outputFiles[0].contents);
  const ours = await import(pathToFileURL(file).href);
  const sdk = await import(pathToFileURL(join(sdkPrefix, "node_modules/@azure/storage-blob/dist/esm/index.js")).href);
  return { ours, sdk, bundleFile: file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function startAzurite() {
  if (process.env.AZURE_BLOB_ENDPOINT) {
    const env = process.env;
    return {
      environment: { endpoint: env.AZURE_BLOB_ENDPOINT, accountName: env.AZURE_STORAGE_ACCOUNT, accountKey: env.AZURE_STORAGE_KEY, container: env.AZURE_CONTAINER || "stowage-test" },
      stop: () => {},
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "stowage-azure-bench-azurite-"));
  rmSync(dir, { recursive: true });
  execFileSync("bash", [join(root, "scripts/azurite/start.sh"), dir], { stdio: ["ignore", "ignore", "inherit"] });
  const env = Object.fromEntries(readFileSync(join(dir, "env"), "utf8").trim().split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
  return {
    environment: { endpoint: env.AZURE_BLOB_ENDPOINT, accountName: env.AZURE_STORAGE_ACCOUNT, accountKey: env.AZURE_STORAGE_KEY, container: env.AZURE_CONTAINER },
    stop: () => execFileSync("bash", [join(root, "scripts/azurite/stop.sh"), dir], { stdio: "inherit" }),
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function sasRate({ ours, sdk }, environment) {
  const signer = ours.sasSigner(environment);
  const credential = new sdk.StorageSharedKeyCredential(environment.accountName, environment.accountKey);
  const expiresOn = new Date(Date.now() + 3600_000);
  const contenders = {
    "sasSigner.signGet": () => signer.signGet(environment.container, "bench/key.bin", { expiresAt: expiresOn }),
    "SDK generateBlobSASQueryParameters": () =>
      sdk.generateBlobSASQueryParameters({ containerName: environment.container, blobName: "bench/key.bin", permissions: sdk.BlobSASPermissions.parse("r"), expiresOn, contentDisposition: "attachment" }, credential).toString(),
  };
  const ourSig = new URL((await contenders["sasSigner.signGet"]()).url).searchParams.get("sig");
  const sdkSig = sdk.generateBlobSASQueryParameters(
    { containerName: environment.container, blobName: "bench/key.bin", permissions: sdk.BlobSASPermissions.parse("r"), expiresOn, contentDisposition: "attachment", version: ours.sasServiceVersion },
    credential,
  ).signature;
  console.log(`\n2. SAS URLs per second (median of 5 rounds of 2000); signature identical to the SDK's for sv=${ours.sasServiceVersion}: ${ourSig === sdkSig ? "yes" : "NO"}`);
  const rates = {};
  for (const [label, sign] of Object.entries(contenders)) {
    const rounds = [];
    for (let round = 0; round < 5; round++) {
      const started = performance.now();
      for (let i = 0; i < 2000; i++) await sign();
      rounds.push(2000 / ((performance.now() - started) / 1000));
    }
    rates[label] = median(rounds);
    console.log(`   ${label.padEnd(40)} ${Math.round(rates[label]).toLocaleString("en").padStart(10)} /s`);
  }
}

async function putGet({ ours, sdk }, environment) {
  const { endpoint, accountName, accountKey, container } = environment;
  const storage = ours.createStorage(ours.azureDriver({ container, endpoint, accountName, accountKey }));
  const rest = new ours.AzureRestClient({ endpoint, accountName, accountKey });
  const service = new sdk.BlobServiceClient(endpoint, new sdk.StorageSharedKeyCredential(accountName, accountKey));
  const containerClient = service.getContainerClient(container);
  const readAll = async (stream) => {
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    return Buffer.concat(chunks);
  };
  console.log("\n3. put / get on Azurite (medians, ms; the contenders alternate call by call, rotating)");
  console.log(`   ${"size".padEnd(8)} ${"op".padEnd(4)} ${"driver".padStart(8)} ${"raw REST".padStart(9)} ${"SDK".padStart(8)} ${"driver/raw".padStart(11)} ${"per-round".padStart(10)} ${"driver/SDK".padStart(11)}`);
  for (const [label, size, iterations] of [["4 KiB", 4 * KiB, 400], ["1 MiB", MiB, 150]]) {
    const body = new Uint8Array(size).fill(7);
    const keys = { driver: `bench/driver-${size}`, raw: `bench/raw-${size}`, sdk: `bench/sdk-${size}` };
    const put = {
      driver: () => storage.put(keys.driver, body),
      raw: async () => {
        const response = await rest.request({ method: "PUT", path: `${container}/${keys.raw}`, headers: { "x-ms-blob-type": "BlockBlob" }, body });
        await response.arrayBuffer();
        if (response.status !== 201) throw new Error(`raw put: ${response.status}`);
      },
      sdk: () => containerClient.getBlockBlobClient(keys.sdk).upload(body, body.byteLength),
    };
    const get = {
      driver: async () => {
        const object = await storage.get(keys.driver);
        if ((await object.bytes()).byteLength !== size) throw new Error("driver get: short");
      },
      raw: async () => {
        const response = await rest.request({ method: "GET", path: `${container}/${keys.raw}` });
        if ((await response.arrayBuffer()).byteLength !== size) throw new Error("raw get: short");
      },
      sdk: async () => {
        const response = await containerClient.getBlobClient(keys.sdk).download();
        if ((await readAll(response.readableStreamBody)).byteLength !== size) throw new Error("sdk get: short");
      },
    };
    for (const [op, calls] of [["put", put], ["get", get]]) {
      for (let i = 0; i < 5; i++) for (const name of Object.keys(calls)) await calls[name](); // warm-up
      // Two pairings, each alternating call by call in a rotating order: driver
      // against raw REST (the target), then driver against the SDK, so the
      // SDK's garbage never lands inside the driver/raw comparison.
      const rounds = async (names) => {
        const times = Object.fromEntries(names.map((name) => [name, []]));
        for (let i = 0; i < iterations; i++) {
          for (let j = 0; j < names.length; j++) {
            const name = names[(i + j) % names.length];
            const started = performance.now();
            await calls[name]();
            times[name].push(performance.now() - started);
          }
        }
        return times;
      };
      const vsRaw = await rounds(["driver", "raw"]);
      const vsSdk = await rounds(["driver", "sdk"]);
      const perRound = median(vsRaw.driver.map((each, i) => each / vsRaw.raw[i]));
      const [d, r, s] = [median(vsRaw.driver), median(vsRaw.raw), median(vsSdk.sdk)];
      const dSdk = median(vsSdk.driver);
      console.log(`   ${label.padEnd(8)} ${op.padEnd(4)} ${d.toFixed(2).padStart(8)} ${r.toFixed(2).padStart(9)} ${s.toFixed(2).padStart(8)} ${(d / r).toFixed(2).padStart(10)}x ${perRound.toFixed(2).padStart(9)}x ${(dSdk / s).toFixed(2).padStart(10)}x`);
    }
    for (const key of Object.values(keys)) await storage.delete(key);
  }
}

ensureSdk();
await bundleSizes();
const modules = await loadModules();
const { environment, stop } = startAzurite();
try {
  await sasRate(modules, environment);
  await putGet(modules, environment);
  streamRss(modules.bundleFile, environment);
} finally {
  stop();
  modules.cleanup();
}
