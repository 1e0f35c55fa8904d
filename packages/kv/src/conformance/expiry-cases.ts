import { defineKvCase, type KvCaseContext } from "./kv-conformance-case.js";
import { assertEqual, assertExpiry, assertTrue } from "./kv-assert.js";
import type { Kv } from "../kv.js";

/** A TTL every backend takes: 10 s over its minimum. */
export function caseTtl(store: Kv): number {
  return store.limits.minTtlSeconds + 10;
}

async function listedNames(store: Kv, prefix?: string): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ ...(prefix === undefined ? {} : { prefix }), ...(cursor === undefined ? {} : { cursor }) });
    names.push(...page.keys.map((key) => key.name));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return names;
}

async function assertExpiresAfter(context: KvCaseContext, store: Kv, key: string, seconds: number): Promise<void> {
  context.clock.advance(seconds - 1);
  assertTrue((await store.get(key)) !== null, `${key} still reads one second before its expiry`);
  assertTrue((await listedNames(store)).includes(key), `${key} still lists one second before its expiry`);
  context.clock.advance(1);
  assertEqual(await store.get(key), null, `${key} reads as null at its expiry (no sleep, no sweep)`);
  const both = await store.getWithMetadata(key);
  assertEqual(both.value, null, `getWithMetadata of expired ${key}`);
  assertTrue(!(await listedNames(store)).includes(key), `expired ${key} is not listed`);
}

/** Expiry judged by the injected clock. */
export const expiryCases = [
  defineKvCase({
    name: "expiry: ttlSeconds sets expiresAt = now + ttl; the value reads as null (and is unlisted) from that instant",
    requires: [],
    async run(context) {
      const store = context.kv();
      const ttl = caseTtl(store);
      const start = context.clock.now();
      await store.put("ttl", { v: 1 }, { ttlSeconds: ttl, metadata: { m: 1 } });
      await store.put("forever", "stays");
      const read = await store.getWithMetadata("ttl");
      assertExpiry(read.expiresAt, start + ttl * 1000, "getWithMetadata's expiresAt");
      assertExpiry(read.value?.expiresAt, start + ttl * 1000, "the value's expiresAt");
      const listed = (await store.list()).keys.find((key) => key.name === "ttl");
      assertExpiry(listed?.expiresAt, start + ttl * 1000, "list's expiresAt");
      await assertExpiresAfter(context, store, "ttl", ttl);
      assertEqual((await store.get("forever"))?.text(), "stays", "a value without a TTL outlives it");
      assertEqual((await store.get("forever"))?.expiresAt, undefined, "no expiresAt without a TTL");
    },
  }),
  defineKvCase({
    name: "expiry: expiresAt sets that instant; the value reads as null from it, also through a second Kv",
    requires: [],
    async run(context) {
      const store = context.kv();
      const seconds = caseTtl(store) + 5;
      const at = new Date(context.clock.now() + seconds * 1000);
      await store.put("at", "until then", { expiresAt: at });
      assertExpiry((await store.get("at"))?.expiresAt, at.getTime(), "expiresAt as stored");
      await assertExpiresAfter(context, store, "at", seconds);
      assertEqual(await context.kv().get("at"), null, "another Kv also sees it expired");
    },
  }),
  defineKvCase({
    name: "expiry: createKv's ttlSeconds applies to puts without one; a put's own TTL wins; a rewrite without TTL clears the expiry",
    requires: [],
    async run(context) {
      const probe = context.kv();
      const ttl = caseTtl(probe);
      const store = context.kv({ ttlSeconds: ttl });
      const start = context.clock.now();
      await store.put("default", "d");
      assertExpiry((await store.get("default"))?.expiresAt, start + ttl * 1000, "the Kv's default TTL");
      await store.put("own", "o", { ttlSeconds: ttl * 3 });
      assertExpiry((await store.get("own"))?.expiresAt, start + ttl * 3000, "the put's TTL over the default");
      await probe.put("cleared", "c", { ttlSeconds: ttl });
      await probe.put("cleared", "c2");
      assertEqual((await probe.get("cleared"))?.expiresAt, undefined, "a rewrite without a TTL has no expiry");
      context.clock.advance(ttl);
      assertEqual(await store.get("default"), null, "the default TTL expired");
      assertEqual((await store.get("own"))?.text(), "o", "the longer TTL did not");
      assertEqual((await probe.get("cleared"))?.text(), "c2", "the cleared expiry no longer applies");
    },
  }),
  defineKvCase({
    name: "expiry: a value rewritten with a new TTL lives by the new one",
    requires: [],
    async run(context) {
      const store = context.kv();
      const ttl = caseTtl(store);
      await store.put("k", "first", { ttlSeconds: ttl });
      context.clock.advance(ttl - 2);
      await store.put("k", "second", { ttlSeconds: ttl });
      context.clock.advance(2);
      assertEqual((await store.get("k"))?.text(), "second", "the first TTL no longer applies");
      context.clock.advance(ttl - 2);
      assertEqual(await store.get("k"), null, "the second TTL does");
    },
  }),
];

export { listedNames };
