// Presign cost of the native mode (@stowage/r2's r2Presigner, on
// @stowage/sigv4 with the day's signing key cached) against aws4fetch 1.0.20
// (`AwsClient.sign` with signQuery and allHeaders, crypto.subtle per URL), in
// Node and inside workerd (Miniflare). Built dist: `pnpm bench r2` builds first.
//
// Inside workerd the clock does not move while JavaScript runs, so the cost is
// measured from Node: the wall time of a request that mints N URLs, minus that
// of a request that mints none, divided by N (median of several requests).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { AwsClient } from "aws4fetch";
import { createStorage } from "@stowage/core";
import { r2Driver, r2Presigner } from "@stowage/r2";
import { SigV4Presigner } from "@stowage/sigv4";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const credentials = { accessKeyId: "R2ACCESSKEYEXAMPLE0123", secretAccessKey: "r2-secret-access-key-example-0123456789" };
const accountId = "0123456789abcdef0123456789abcdef";

/** The contenders, as one function so the very same code runs in Node and (as source) in the Worker. */
function makeContenders({ AwsClient, SigV4Presigner, createStorage, r2Driver, r2Presigner }, credentials, accountId) {
  const presigner = r2Presigner({ accountId, bucketName: "bucket", ...credentials });
  const storage = createStorage(r2Driver({ bucket: {}, signing: presigner }));
  const sigv4 = new SigV4Presigner({ ...credentials, region: "auto" });
  const aws = new AwsClient({ ...credentials, service: "s3", region: "auto" });
  const endpoint = `https://${accountId}.r2.cloudflarestorage.com/bucket/`;
  const now = new Date();
  const expiresAt = new Date(now.getTime() + 300_000);
  return {
    "aws4fetch (baseline)": (key) =>
      aws.sign(new Request(`${endpoint}${encodeURIComponent(key)}?X-Amz-Expires=300&x-id=PutObject`, {
        method: "PUT",
        headers: { "content-type": "image/png" },
      }), { aws: { signQuery: true, allHeaders: true } }),
    "SigV4Presigner.presign (raw)": (key) =>
      sigv4.presign({ method: "PUT", url: endpoint + encodeURIComponent(key), date: now, expiresIn: 300, headers: { "content-type": "image/png" }, query: { "x-id": "PutObject" } }),
    "r2Presigner.signPut": (key) => presigner.signPut(key, { now, expiresIn: 300, expiresAt, contentType: "image/png" }),
    "storage.signPut (validation too)": (key) => storage.signPut(key, { contentType: "image/png" }),
  };
}

const workerSource = `
  import { AwsClient } from "aws4fetch";
  import { SigV4Presigner } from "@stowage/sigv4";
  import { createStorage } from "@stowage/core";
  import { r2Driver, r2Presigner } from "@stowage/r2";
  const contenders = (${makeContenders.toString()})(
    { AwsClient, SigV4Presigner, createStorage, r2Driver, r2Presigner },
    ${JSON.stringify(credentials)},
    ${JSON.stringify(accountId)},
  );
  export default {
    async fetch(request) {
      const url = new URL(request.url);
      const count = Number(url.searchParams.get("n"));
      const sign = contenders[url.searchParams.get("which")];
      for (let index = 0; index < count; index++) await sign("uploads/photo-" + index + ".png");
      return new Response("ok");
    },
  };
`;

async function bundle(source) {
  const result = await build({
    stdin: { contents: source, resolveDir: packageDir, loader: "js" },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    tsconfigRaw: {},
    external: ["@stowage/fs", "@stowage/s3", "@stowage/memory", "node:*"],
    write: false,
    logLevel: "silent",
  });
  return new TextDecoder().decode(result.outputFiles[0].contents);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measureNode(sign, count) {
  for (let index = 0; index < 500; index++) await sign(`warm-${index}`);
  const samples = [];
  for (let round = 0; round < 7; round++) {
    const started = performance.now();
    for (let index = 0; index < count; index++) await sign(`uploads/photo-${index}.png`);
    samples.push(((performance.now() - started) * 1000) / count);
  }
  return median(samples);
}

async function measureWorkerd(miniflare, which, count) {
  const call = async (n) => {
    const started = performance.now();
    const response = await miniflare.dispatchFetch(`http://bench/?which=${encodeURIComponent(which)}&n=${n}`);
    await response.text();
    return performance.now() - started;
  };
  for (let round = 0; round < 3; round++) await call(count);
  const empty = [];
  const full = [];
  for (let round = 0; round < 7; round++) {
    empty.push(await call(0));
    full.push(await call(count));
  }
  return (Math.max(0, median(full) - median(empty)) * 1000) / count;
}

function printTable(title, rows) {
  const baseline = rows[0][1];
  console.log(title);
  console.log(`${"presigner".padEnd(34)} ${"µs/URL".padStart(9)} ${"URLs/s".padStart(10)} ${"vs aws4fetch".padStart(13)}`);
  for (const [name, micros] of rows) {
    console.log(
      `${name.padEnd(34)} ${micros.toFixed(2).padStart(9)} ${Math.round(1e6 / micros).toLocaleString("en").padStart(10)} ${`${(baseline / micros).toFixed(1)}x faster`.padStart(13)}`,
    );
  }
}

// Node
const nodeContenders = makeContenders({ AwsClient, SigV4Presigner, createStorage, r2Driver, r2Presigner }, credentials, accountId);
const nodeRows = [];
for (const [name, sign] of Object.entries(nodeContenders)) nodeRows.push([name, await measureNode(sign, name.startsWith("aws4fetch") ? 2000 : 20000)]);
printTable(`Presign, Node ${process.version} (median of 7 rounds)`, nodeRows);

// workerd
const miniflare = new Miniflare({
  modules: true,
  script: await bundle(workerSource),
  compatibilityDate: "2026-04-20",
});
try {
  const workerdRows = [];
  for (const name of Object.keys(nodeContenders)) {
    workerdRows.push([name, await measureWorkerd(miniflare, name, name.startsWith("aws4fetch") ? 2000 : 20000)]);
  }
  console.log("");
  printTable("Presign, inside workerd (Miniflare; request wall time minus an empty request)", workerdRows);
} finally {
  await miniflare.dispose();
}
