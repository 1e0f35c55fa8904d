// Key rotation on Ceph RGW (built dist: `pnpm bench rotation` builds first).
// Issue 15's target: rotating 10,000 objects moves no body bytes (counted),
// objects/s reported.
//
// 10,000 objects of 1 KiB are written through withEncryption under k1
// (concurrency 32). Then, taking turns over rounds, at concurrency 8 and 32:
//
// - rotateKeys: re-wraps every object's data key under the other key (k1 ->
//   k2, then k2 -> k1, ...) over the INNER s3 driver, which a counting
//   wrapper (a Proxy) watches: the body bytes its get returns and its put
//   receives (both must be 0, else the bench exits 1) and every call.
//   `unconditional: true`: RGW 16 ignores x-amz-copy-source-if-match, so the
//   safe mode refuses there (see the README's rotation section); nothing else
//   writes to the bench's prefix.
// - naive (the baseline, same run, same server): what a layer without
//   header-only rotation does, re-encrypting every body through the layer
//   (`reencrypt`: get, decrypt, encrypt under a new data key wrapped by the
//   other key, put), on a subset of 1,000 objects under their own prefix.
//   Its time is scaled to the full set (objects/s is the same).
//
// Figures: medians of objects/s, the bytes and calls per object through the
// wrapper, and the ratio rotateKeys / naive. Everything is deleted at the
// end (deletePrefix) and RGW's garbage collected.
//
// Uses $S3_ENDPOINT (scripts/test.sh) if set, else starts its own RGW with
// scripts/ceph/start.sh. Quick runs: ROTATION_BENCH_OBJECTS (default
// 10000), ROTATION_BENCH_NAIVE_OBJECTS (default 1000), ROTATION_BENCH_BYTES
// (default 1024), ROTATION_BENCH_ROUNDS (default 3).
import { createStorage } from "@stowage/core";
import { keyring, reencrypt, rotateKeys, withEncryption } from "@stowage/encryption";
import { alternate, benchDriver, collectRgwGarbage, median, startServer } from "../../s3/bench/bench-servers.mjs";

const count = Number(process.env.ROTATION_BENCH_OBJECTS ?? 10_000);
const naiveCount = Math.min(count, Number(process.env.ROTATION_BENCH_NAIVE_OBJECTS ?? 1_000));
const objectBytes = Number(process.env.ROTATION_BENCH_BYTES ?? 1024);
const rounds = Number(process.env.ROTATION_BENCH_ROUNDS ?? 3);
const concurrencies = [8, 32];

const secrets = { k1: "rotation-bench-kek-one-0123456789abcdef", k2: "rotation-bench-kek-two-0123456789abcdef" };
const keys = keyring({ keys: [{ id: "k1", secret: secrets.k1 }, { id: "k2", secret: secrets.k2 }], primary: "k1" });

/**
 * Wraps a driver in a Proxy (every method passes through): counts each
 * call, the body bytes get returns (as the caller reads them) and the body
 * bytes put receives.
 */
function counting(driver) {
  const counts = { calls: {}, read: 0, written: 0 };
  const tally = (stream, add) => stream.pipeThrough(new TransformStream({ transform(chunk, controller) { add(chunk.byteLength); controller.enqueue(chunk); } }));
  const proxy = new Proxy(driver, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || typeof property !== "string") return value;
      return (...args) => {
        counts.calls[property] = (counts.calls[property] ?? 0) + 1;
        if (property === "put") {
          const body = args[1];
          if (body instanceof Uint8Array) counts.written += body.byteLength;
          else args[1] = tally(body, (n) => (counts.written += n));
        }
        const result = value.apply(target, args);
        if (property !== "get") return result;
        return Promise.resolve(result).then((got) => {
          if (got === null) return got;
          if (got.body instanceof Uint8Array) {
            counts.read += got.body.byteLength;
            return got;
          }
          return { ...got, body: tally(got.body, (n) => (counts.read += n)) };
        });
      };
    },
  });
  return {
    driver: proxy,
    reset: () => Object.assign(counts, { calls: {}, read: 0, written: 0 }),
    snapshot: () => ({ calls: { ...counts.calls }, read: counts.read, written: counts.written }),
  };
}

async function pool(items, concurrency, work) {
  const queue = [...items];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

function body(index) {
  const bytes = new Uint8Array(objectBytes);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (index * 31 + i) & 0xff;
  return bytes;
}

const format = (n, digits = 0) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

const server = startServer("ceph-rgw");
if (server.environment === null) {
  console.log(`rotation bench skipped: ${server.reason}`);
  process.exit(0);
}
const environment = server.environment;
const inner = benchDriver(environment);
const base = `bench-rotation/${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}/`;
const prefixes = { rotate: `${base}all/`, naive: `${base}naive/` };
let failed = false;

try {
  console.log(`@stowage/encryption rotation on ${environment.label} (${environment.endpoint}), Node ${process.version}`);
  console.log(`${format(count)} objects of ${format(objectBytes)} bytes for rotateKeys, ${format(naiveCount)} for the naive baseline; ${rounds} rounds; concurrency ${concurrencies.join(" and ")}`);
  console.log(`copyIfMatch ${inner.capabilities.copyIfMatch}, putIfMatch ${inner.capabilities.putIfMatch}, serverSideCopy ${inner.capabilities.serverSideCopy}`);

  const layer = createStorage(withEncryption(inner, { keyring: keys }));
  const written = performance.now();
  await pool([...Array(count).keys()].map((i) => `${prefixes.rotate}${String(i).padStart(6, "0")}`), 32, (key) => layer.put(key, body(Number(key.slice(-6)))));
  const writeSeconds = (performance.now() - written) / 1000;
  await pool([...Array(naiveCount).keys()].map((i) => `${prefixes.naive}${String(i).padStart(6, "0")}`), 32, (key) => layer.put(key, body(Number(key.slice(-6)))));
  console.log(`written through the layer (concurrency 32): ${format(count / writeSeconds)} objects/s`);

  const counter = counting(inner);
  // The key each set is under now; every run flips it.
  const under = { rotate: "k1", naive: "k1" };
  const other = (kid) => (kid === "k1" ? "k2" : "k1");
  const observed = {};
  const contenders = concurrencies.flatMap((concurrency) => [
    {
      name: `rotateKeys, concurrency ${concurrency}`,
      set: "rotate",
      objects: count,
      run: async () => {
        const to = other(under.rotate);
        const result = await rotateKeys({ driver: counter.driver, keyring: keys, to, prefix: prefixes.rotate, unconditional: true, concurrency });
        if (result.changed !== count || result.failed !== 0) throw new Error(`rotateKeys changed ${result.changed} of ${count}, failed ${result.failed}: ${String(result.failures[0]?.error)}`);
        under.rotate = to;
        return result;
      },
    },
    {
      name: `naive (reencrypt), concurrency ${concurrency}`,
      set: "naive",
      objects: naiveCount,
      run: async () => {
        const to = other(under.naive);
        const result = await reencrypt({ driver: counter.driver, keyring: keys, to, prefix: prefixes.naive, unconditional: !inner.capabilities.putIfMatch, concurrency });
        if (result.changed !== naiveCount || result.failed !== 0) throw new Error(`reencrypt changed ${result.changed} of ${naiveCount}, failed ${result.failed}: ${String(result.failures[0]?.error)}`);
        under.naive = to;
        return result;
      },
    },
  ]);
  for (const contender of contenders) {
    const run = contender.run;
    contender.run = async () => {
      const started = performance.now();
      contender.result = await run();
      contender.lastMs = performance.now() - started;
    };
  }
  const samples = await alternate(contenders, rounds, {
    before: () => counter.reset(),
    after: (contender, round) => {
      const seen = counter.snapshot();
      (observed[contender.name] ??= []).push({ ...seen, bodyBytes: contender.result.bodyBytes });
      console.log(`  round ${round + 1}, ${contender.name}: ${format(contender.objects / (contender.lastMs / 1000))} objects/s, ${format(seen.read + seen.written)} body bytes`);
    },
    afterRound: () => {
      collectRgwGarbage(environment);
    },
  });

  const rows = contenders.map((contender, index) => {
    const rates = samples[index].map((ms) => contender.objects / (ms / 1000));
    const seen = observed[contender.name];
    const last = seen[seen.length - 1];
    const perObject = (n) => n / contender.objects;
    return {
      contender,
      rate: median(rates),
      scaledSeconds: count / median(rates),
      bytesPerObject: median(seen.map((s) => (s.read + s.written) / contender.objects)),
      bodyBytes: Math.max(...seen.map((s) => s.read + s.written)),
      reported: Math.max(...seen.map((s) => s.bodyBytes)),
      calls: Object.entries(last.calls)
        .sort()
        .map(([name, n]) => (n % contender.objects === 0 ? `${name} ${format(perObject(n))}` : `${name} ${format(n)} in all`))
        .join(", "),
    };
  });

  console.log("");
  console.log("| contender | objects/s (median) | time for 10,000 | body bytes/object through the process | calls/object | vs naive |".replace("10,000", format(count)));
  console.log("|---|---|---|---|---|---|");
  for (const concurrency of concurrencies) {
    const naive = rows.find((row) => row.contender.set === "naive" && row.contender.name.endsWith(` ${concurrency}`));
    for (const row of rows.filter((r) => r.contender.name.endsWith(` ${concurrency}`))) {
      const scaled = row.contender.set === "naive" && naiveCount !== count ? ` (scaled from ${format(naiveCount)})` : "";
      const ratio = row === naive ? "1.00x (baseline)" : `${format(row.rate / naive.rate, 2)}x the objects/s, ${row.bytesPerObject === 0 ? "0 body bytes" : format(row.bytesPerObject / naive.bytesPerObject, 2) + "x the bytes"}`;
      console.log(`| ${row.contender.name} | ${format(row.rate)} | ${format(row.scaledSeconds, 1)} s${scaled} | ${format(row.bytesPerObject)} | ${row.calls} | ${ratio} |`);
    }
  }
  console.log("");
  console.log(`per-round objects/s: ${rows.map((row, index) => `${row.contender.name}: ${samples[index].map((ms) => format(row.contender.objects / (ms / 1000))).join(" / ")}`).join("; ")}`);

  for (const row of rows.filter((r) => r.contender.set === "rotate")) {
    const calls = observed[row.contender.name].flatMap((s) => [s.calls.get ?? 0, s.calls.put ?? 0]);
    if (row.bodyBytes !== 0 || row.reported !== 0 || calls.some((n) => n !== 0)) {
      console.log(`FAIL ${row.contender.name}: ${row.bodyBytes} body bytes counted, ${row.reported} reported, get/put calls ${calls.join(",")} (target 0)`);
      failed = true;
    }
  }
  if (!failed) console.log(`target met: rotateKeys moved 0 body bytes (counted by the wrapper, and bodyBytes 0), no get or put sent, in every run`);

  // Every object still decrypts under its current key alone (spot check).
  const finalKeys = keyring({ keys: [{ id: under.rotate, secret: secrets[under.rotate] }] });
  const check = createStorage(withEncryption(inner, { keyring: finalKeys }));
  for (const i of [0, Math.floor(count / 2), count - 1]) {
    const bytes = await (await check.get(`${prefixes.rotate}${String(i).padStart(6, "0")}`)).bytes();
    if (bytes.length !== objectBytes || bytes.some((b, j) => b !== body(i)[j])) {
      console.log(`FAIL object ${i} does not read back under ${under.rotate} alone`);
      failed = true;
    }
  }
} catch (error) {
  console.error(error);
  failed = true;
} finally {
  const removed = await createStorage(inner).deletePrefix(base).catch((error) => error);
  console.log(`cleanup: deletePrefix ${base}: ${removed instanceof Error ? removed.message : JSON.stringify(removed)}; RGW gc ${collectRgwGarbage(environment) ? "done" : "not available"}`);
  server.stop();
}
process.exit(failed ? 1 : 0);
