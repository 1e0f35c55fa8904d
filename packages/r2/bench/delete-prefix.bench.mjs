// storage.deletePrefix on the R2 binding (@stowage/r2 over @stowage/core)
// against a raw binding loop (list 1000, delete them, follow the cursor), and
// the same loop listing with metadata as the driver does, on 10,000 keys, inside workerd (Miniflare 4, local R2 simulator). Built dist:
// `pnpm bench r2` builds first.
//
// Inside workerd the clock does not move while JavaScript runs, so each run
// is timed from Node: the wall time of one request that deletes every key
// under a prefix. Before each run another request fills the prefix (not
// timed). The contenders alternate, and each reports the median of its runs
// and the ratio to the raw loop measured in the same process.
//
// It takes several minutes: filling 10,000 keys in the local simulator takes
// 14–29 s per run here (BENCH_KEYS and BENCH_ROUNDS make it smaller).
//
// Caveat: the local simulator's R2 is SQLite and files on this machine, not
// R2; the ratio (the driver's overhead and its overlap of the next listing
// with the current delete) is what carries over, not the absolute times.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const keyCount = Number(process.env.BENCH_KEYS ?? 10_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

const workerSource = `
  import { createStorage } from "@stowage/core";
  import { r2Driver } from "@stowage/r2";

  const contenders = {
    async "raw binding list + delete loop (baseline)"(bucket, prefix) {
      let deleted = 0;
      let cursor;
      do {
        const page = await bucket.list({ prefix, limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
        const keys = page.objects.map((object) => object.key);
        if (keys.length > 0) await bucket.delete(keys);
        deleted += keys.length;
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor !== undefined);
      return deleted;
    },
    // What the driver lists (it returns ObjectInfo with metadata), without the driver.
    async "raw loop listing with include: metadata"(bucket, prefix) {
      let deleted = 0;
      let cursor;
      do {
        const page = await bucket.list({ prefix, limit: 1000, include: ["httpMetadata", "customMetadata"], ...(cursor === undefined ? {} : { cursor }) });
        const keys = page.objects.map((object) => object.key);
        if (keys.length > 0) await bucket.delete(keys);
        deleted += keys.length;
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor !== undefined);
      return deleted;
    },
    async "storage.deletePrefix (r2 driver)"(bucket, prefix) {
      const storage = createStorage(r2Driver({ bucket }));
      return (await storage.deletePrefix(prefix)).deleted;
    },
  };

  export default {
    async fetch(request, env) {
      const url = new URL(request.url);
      const prefix = url.searchParams.get("prefix");
      if (url.pathname === "/fill") {
        const from = Number(url.searchParams.get("from"));
        const to = Number(url.searchParams.get("to"));
        const body = new Uint8Array(16);
        for (let index = from; index < to; index += 250) {
          const batch = [];
          for (let at = index; at < Math.min(to, index + 250); at++) {
            batch.push(env.BUCKET.put(prefix + String(at).padStart(6, "0"), body, { httpMetadata: { contentType: "text/plain" } }));
          }
          await Promise.all(batch);
        }
        return new Response("ok");
      }
      if (url.pathname === "/count") {
        const page = await env.BUCKET.list({ prefix, limit: 1000 });
        return Response.json({ count: page.objects.length, truncated: page.truncated });
      }
      const deleted = await contenders[url.searchParams.get("which")](env.BUCKET, prefix);
      return Response.json({ deleted });
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
    external: ["node:*"],
    write: false,
    logLevel: "silent",
  });
  return new TextDecoder().decode(result.outputFiles[0].contents);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const mf = new Miniflare({
  modules: true,
  script: await bundle(workerSource),
  compatibilityDate: "2026-04-20",
  compatibilityFlags: ["nodejs_compat"],
  r2Buckets: ["BUCKET"],
});

async function call(path) {
  const response = await mf.dispatchFetch(`http://bench.local${path}`);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}: ${await response.text()}`);
  return response;
}

async function fill(prefix) {
  // Several requests, so no single one makes too many subrequests.
  for (let from = 0; from < keyCount; from += 1000) {
    await call(`/fill?prefix=${encodeURIComponent(prefix)}&from=${from}&to=${Math.min(keyCount, from + 1000)}`);
  }
}

try {
  const names = ["raw binding list + delete loop (baseline)", "raw loop listing with include: metadata", "storage.deletePrefix (r2 driver)"];
  const times = Object.fromEntries(names.map((name) => [name, []]));
  const fillStart = performance.now();
  let fills = 0;
  // One unreported warm-up round, then the measured rounds.
  for (let round = -1; round < rounds; round++) {
    // Rotate the order every round, so no contender always runs first.
    const shift = (round + 1) % names.length;
    const order = [...names.slice(shift), ...names.slice(0, shift)];
    for (const name of order) {
      const prefix = `bench/${round + 1}/${names.indexOf(name)}/`;
      await fill(prefix);
      fills++;
      const start = performance.now();
      const response = await call(`/delete?which=${encodeURIComponent(name)}&prefix=${encodeURIComponent(prefix)}`);
      const elapsed = performance.now() - start;
      const { deleted } = await response.json();
      if (deleted !== keyCount) throw new Error(`${name} deleted ${deleted} of ${keyCount}`);
      const left = await (await call(`/count?prefix=${encodeURIComponent(prefix)}`)).json();
      if (left.count !== 0) throw new Error(`${name} left ${left.count} keys`);
      if (round >= 0) times[name].push(elapsed);
    }
  }
  const baseline = median(times[names[0]]);
  console.log(`deletePrefix of ${keyCount} keys on the R2 binding in workerd (Miniflare local R2), ${rounds} runs each, alternating`);
  console.log(`(filling ${keyCount} keys took ${((performance.now() - fillStart) / fills / 1000).toFixed(1)} s per run on average, not timed)`);
  console.log("| contender | median ms | min ms | max ms | keys/s | ratio to baseline |");
  console.log("|---|---|---|---|---|---|");
  for (const name of names) {
    const values = times[name];
    const med = median(values);
    console.log(
      `| ${name} | ${med.toFixed(0)} | ${Math.min(...values).toFixed(0)} | ${Math.max(...values).toFixed(0)} | ${Math.round(keyCount / (med / 1000))} | ${(med / baseline).toFixed(2)} |`,
    );
  }
} finally {
  await mf.dispose();
}
