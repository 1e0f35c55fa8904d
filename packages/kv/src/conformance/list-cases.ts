import type { Kv, KvListKey } from "../kv.js";
import { defineKvCase } from "./kv-conformance-case.js";
import { assertDeepEqual, assertEqual, assertExpiry, assertRejectsWith, assertTrue, fail } from "./kv-assert.js";
import { caseTtl } from "./expiry-cases.js";

async function pages(store: Kv, options: { prefix?: string; limit: number }): Promise<KvListKey[][]> {
  const out: KvListKey[][] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await store.list({ ...options, ...(cursor === undefined ? {} : { cursor }) });
    out.push(page.keys);
    cursor = page.cursor;
    if (cursor === undefined) return out;
  }
  return fail("list never ended (1000 pages)");
}

const name = (index: number): string => `item-${index.toString().padStart(3, "0")}`;

/** Listing: order, paging, prefixes, and expired keys never appearing. */
export const listCases = [
  defineKvCase({
    name: "list: pages of at most limit give every live key exactly once, in order, with expired keys mixed in never appearing",
    requires: [],
    timeout: 180_000,
    async run(context) {
      const store = context.kv();
      const ttl = caseTtl(store);
      const live: string[] = [];
      const writes: Promise<void>[] = [];
      for (let index = 0; index < 30; index++) {
        // Runs of expired keys (3 of every 5, and all of 20..24) between live ones.
        const expires = index % 5 < 3 || (index >= 20 && index < 25);
        if (!expires) live.push(name(index));
        const options = expires ? { ttlSeconds: ttl } : index % 2 === 0 ? { ttlSeconds: ttl * 10 } : {};
        writes.push(store.put(name(index), { index }, { ...options, metadata: { index } }));
        if (writes.length === 10) await Promise.all(writes.splice(0));
      }
      await Promise.all(writes);
      context.clock.advance(ttl);
      for (const limit of [1, 2, 4, 7, 1000]) {
        const all = await pages(store, { limit });
        for (const page of all) assertTrue(page.length <= limit, `a page holds at most limit ${limit} keys (got ${page.length})`);
        for (const page of all.slice(0, -1)) assertTrue(page.length > 0, `only the last page may be empty (limit ${limit})`);
        const names = all.flat().map((key) => key.name);
        assertDeepEqual(names, live, `limit ${limit}: every live key once, in order, no expired key`);
      }
      const full = (await store.list()).keys;
      for (const key of full) {
        const index = Number(key.name.slice(5));
        assertDeepEqual(key.metadata, { index }, `${key.name}'s metadata in the listing`);
        if (index % 2 === 0) assertExpiry(key.expiresAt, context.clock.now() - ttl * 1000 + ttl * 10_000, `${key.name}'s expiry in the listing`);
        else assertEqual(key.expiresAt, undefined, `${key.name} has no expiry`);
      }
    },
  }),
  defineKvCase({
    name: "list: a prefix narrows the listing; keys come back without the Kv's own prefix",
    requires: [],
    async run(context) {
      const store = context.kv();
      for (const key of ["a/1", "a/2", "ab", "b/1", "a"]) await store.put(key, key);
      const names = (await store.list({ prefix: "a/" })).keys.map((key) => key.name);
      assertDeepEqual(names, ["a/1", "a/2"], "prefix a/");
      const all = (await store.list()).keys.map((key) => key.name);
      assertDeepEqual(all, ["a", "a/1", "a/2", "ab", "b/1"], "everything, in order");
      assertDeepEqual((await store.list({ prefix: "zzz" })).keys, [], "a prefix matching nothing");
      assertEqual((await store.list({ prefix: "zzz" })).cursor, undefined, "no cursor after the last page");
      const ttl = caseTtl(store);
      await store.put("a/3", "x", { ttlSeconds: ttl });
      context.clock.advance(ttl);
      assertDeepEqual((await store.list({ prefix: "a/" })).keys.map((key) => key.name), ["a/1", "a/2"], "an expired key under the prefix");
    },
  }),
  defineKvCase({
    name: "list: limit outside 1..1000 and a malformed cursor are InvalidArgument",
    requires: [],
    async run(context) {
      const store = context.kv();
      for (const limit of [0, -1, 1001, 2.5, Number.NaN]) {
        await assertRejectsWith(store.list({ limit }), "InvalidArgument", `limit ${limit}`);
      }
      await assertRejectsWith(store.list({ cursor: "" }), "InvalidArgument", "an empty cursor");
    },
  }),
];
