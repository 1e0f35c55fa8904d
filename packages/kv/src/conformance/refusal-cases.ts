import type { Kv } from "../kv.js";
import { defineKvCase, type KvCaseContext } from "./kv-conformance-case.js";
import { assertDeepEqual, assertEqual, assertRejectsWith, assertTrue } from "./kv-assert.js";
import { caseTtl } from "./expiry-cases.js";

const before = { kept: "previous" };
const beforeMetadata = { note: "previous" };

async function seed(context: KvCaseContext): Promise<Kv> {
  const store = context.kv({ cacheTtlSeconds: 300 });
  await store.put("k", before, { metadata: beforeMetadata });
  assertDeepEqual((await store.get("k"))?.json(), before, "seeded");
  return store;
}

async function assertIntact(context: KvCaseContext, store: Kv, after: string): Promise<void> {
  for (const [label, reader] of [["this Kv", store], ["a fresh Kv", context.kv()]] as const) {
    const read = await reader.getWithMetadata("k");
    assertDeepEqual(read.value?.json(), before, `after ${after}, ${label} reads the previous value`);
    assertDeepEqual(read.metadata, beforeMetadata, `after ${after}, ${label} reads the previous metadata`);
    assertEqual(read.expiresAt, undefined, `after ${after}, the previous value still has no expiry`);
  }
}

/** Inputs refused before any write, each leaving the previous value intact. */
export const refusalCases = [
  defineKvCase({
    name: "refusals: bad TTLs (0, negative, fractional, NaN, Infinity, a string, below the backend's minimum) are InvalidArgument, never rounded",
    requires: [],
    async run(context) {
      const store = await seed(context);
      const bad: unknown[] = [0, -1, 1.5, store.limits.minTtlSeconds + 0.5, Number.NaN, Number.POSITIVE_INFINITY, "60", store.limits.minTtlSeconds - 1];
      for (const ttlSeconds of bad) {
        await assertRejectsWith(store.put("k", { next: 1 }, { ttlSeconds: ttlSeconds as number }), "InvalidArgument", `ttlSeconds ${String(ttlSeconds)}`);
        await assertIntact(context, store, `ttlSeconds ${String(ttlSeconds)}`);
      }
    },
  }),
  defineKvCase({
    name: "refusals: expiresAt in the past, now, too soon, invalid, not a Date, or with ttlSeconds is InvalidArgument",
    requires: [],
    async run(context) {
      const store = await seed(context);
      const now = context.clock.now();
      const ttl = caseTtl(store);
      const cases: [string, Record<string, unknown>][] = [
        ["a past expiresAt", { expiresAt: new Date(now - 1000) }],
        ["expiresAt now", { expiresAt: new Date(now) }],
        ["expiresAt under the minimum TTL", { expiresAt: new Date(now + store.limits.minTtlSeconds * 1000 - 1) }],
        ["an invalid Date", { expiresAt: new Date(Number.NaN) }],
        ["a number expiresAt", { expiresAt: now + ttl * 1000 }],
        ["both ttlSeconds and expiresAt", { ttlSeconds: ttl, expiresAt: new Date(now + ttl * 1000) }],
      ];
      for (const [label, options] of cases) {
        await assertRejectsWith(store.put("k", { next: 1 }, options), "InvalidArgument", label);
        await assertIntact(context, store, label);
      }
    },
  }),
  defineKvCase({
    name: "refusals: a value over maxValueBytes is TooLarge; metadata over maxMetadataBytes is InvalidArgument, as in core",
    requires: [],
    timeout: 120_000,
    async run(context) {
      const store = await seed(context);
      const limits = store.limits;
      await assertRejectsWith(store.put("k", new Uint8Array(limits.maxValueBytes + 1)), "TooLarge", "a value one byte over");
      await assertIntact(context, store, "an oversize value");
      await assertRejectsWith(store.put("k", "x".repeat(limits.maxValueBytes + 1)), "TooLarge", "a string one byte over");
      await assertRejectsWith(store.put("k", new Blob([new Uint8Array(limits.maxValueBytes + 1)])), "TooLarge", "a Blob one byte over");
      await assertIntact(context, store, "oversize strings and Blobs");
      const oversize = { pad: "m".repeat(limits.maxMetadataBytes) };
      await assertRejectsWith(store.put("k", "v", { metadata: oversize }), "InvalidArgument", "metadata over maxMetadataBytes");
      await assertIntact(context, store, "oversize metadata");
      const fits = { pad: "m".repeat(limits.maxMetadataBytes - 10) };
      await store.put("fits", "v", { metadata: fits });
      assertDeepEqual((await store.get("fits"))?.metadata, fits, `metadata of exactly ${limits.maxMetadataBytes} bytes is accepted`);
    },
  }),
  defineKvCase({
    name: "refusals: values and metadata that are not JSON (undefined, functions, symbols, bigints, NaN, cycles, Dates, Maps) are InvalidArgument",
    requires: [],
    async run(context) {
      const store = await seed(context);
      const cycle: Record<string, unknown> = { a: 1 };
      cycle.self = cycle;
      const bad: [string, unknown][] = [
        ["undefined", undefined],
        ["a function", () => 1],
        ["a symbol", Symbol("s")],
        ["a bigint", BigInt(1)],
        ["NaN", Number.NaN],
        ["a cycle", cycle],
        ["a Date", new Date(0)],
        ["a Map", new Map([["a", 1]])],
        ["a nested undefined", { a: undefined }],
        ["a nested function", [1, () => 2]],
        ["a class instance", new (class Point { x = 1 })()],
      ];
      for (const [label, value] of bad) {
        await assertRejectsWith(store.put("k", value as never), "InvalidArgument", `value: ${label}`);
        await assertIntact(context, store, `value: ${label}`);
        if (value === undefined) continue;
        await assertRejectsWith(store.put("k", "v", { metadata: value }), "InvalidArgument", `metadata: ${label}`);
        await assertIntact(context, store, `metadata: ${label}`);
      }
    },
  }),
  defineKvCase({
    name: "refusals: bad keys (empty, over maxKeyBytes, not a string, a lone surrogate) are InvalidArgument on every operation",
    requires: [],
    async run(context) {
      const store = await seed(context);
      const longest = longKey(store.limits.maxKeyBytes);
      await store.put(longest, "fits");
      assertEqual((await store.get(longest))?.text(), "fits", `a key of exactly ${store.limits.maxKeyBytes} bytes works`);
      const bad: [string, unknown][] = [
        ["an empty key", ""],
        ["a key one byte over", "k".repeat(store.limits.maxKeyBytes + 1)],
        ["a key over in multi-byte characters", "é".repeat(Math.floor(store.limits.maxKeyBytes / 2) + 1)],
        ["a number key", 7],
        ["a lone surrogate", "a\ud800b"],
      ];
      for (const [label, key] of bad) {
        await assertRejectsWith(store.put(key as string, "v"), "InvalidArgument", `put with ${label}`);
        await assertRejectsWith(store.get(key as string), "InvalidArgument", `get with ${label}`);
        await assertRejectsWith(store.delete(key as string), "InvalidArgument", `delete with ${label}`);
      }
      await assertIntact(context, store, "bad keys");
      assertTrue((await store.list()).keys.every((key) => key.name === "k" || key.name === longest), "no stray keys were written");
    },
  }),
];

/** A legal key of exactly `bytes` ASCII bytes, in segments of at most 100 (file systems cap a name's length). */
function longKey(bytes: number): string {
  let key = "";
  while (key.length < bytes) {
    const left = bytes - key.length;
    key += left > 101 ? `${"k".repeat(99)}/` : "k".repeat(left);
  }
  return key;
}
