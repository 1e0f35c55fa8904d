import { defineKvCase } from "./kv-conformance-case.js";
import { assertEqual, assertRejectsWith } from "./kv-assert.js";
import { caseTtl } from "./expiry-cases.js";

/** The read cache: hits, misses, invalidation, and what other processes see (KV propagation). */
export const cacheCases = [
  defineKvCase({
    name: "cache: a warm read is served from memory: another process's write shows only after cacheTtlSeconds (KV propagation)",
    requires: [],
    async run(context) {
      const cached = context.kv({ cacheTtlSeconds: 30 });
      const other = context.kv();
      await other.put("k", "one");
      assertEqual((await cached.get("k"))?.text(), "one", "first read");
      await other.put("k", "two", { metadata: { v: 2 } });
      assertEqual((await cached.get("k"))?.text(), "one", "within cacheTtlSeconds, the cached value serves (no backend read)");
      assertEqual((await cached.getWithMetadata("k")).metadata, null, "getWithMetadata shares the cached entry");
      context.clock.advance(29);
      assertEqual((await cached.get("k"))?.text(), "one", "still cached one second before cacheTtlSeconds");
      context.clock.advance(1);
      assertEqual((await cached.get("k"))?.text(), "two", "after cacheTtlSeconds, the other process's write shows");
      assertEqual(JSON.stringify((await cached.get("k"))?.metadata), '{"v":2}', "with its metadata");
      await other.delete("k");
      assertEqual((await cached.get("k"))?.text(), "two", "a delete elsewhere shows only after cacheTtlSeconds too");
      context.clock.advance(30);
      assertEqual(await cached.get("k"), null, "then the key is gone");
    },
  }),
  defineKvCase({
    name: "cache: misses are cached too, for cacheTtlSeconds",
    requires: [],
    async run(context) {
      const cached = context.kv({ cacheTtlSeconds: 20 });
      const other = context.kv();
      assertEqual(await cached.get("late"), null, "a miss");
      await other.put("late", "arrived");
      assertEqual(await cached.get("late"), null, "the miss is served from memory");
      context.clock.advance(20);
      assertEqual((await cached.get("late"))?.text(), "arrived", "after cacheTtlSeconds, the value shows");
    },
  }),
  defineKvCase({
    name: "cache: put and delete through the same Kv invalidate at once, even a put that fails",
    requires: [],
    async run(context) {
      const cached = context.kv({ cacheTtlSeconds: 300 });
      const other = context.kv();
      await cached.put("k", "one");
      assertEqual((await cached.get("k"))?.text(), "one", "read after own put");
      await cached.put("k", "two");
      assertEqual((await cached.get("k"))?.text(), "two", "own put shows at once");
      await cached.delete("k");
      assertEqual(await cached.get("k"), null, "own delete shows at once");
      await cached.put("k", "three");
      assertEqual((await cached.getWithMetadata("k")).value?.text(), "three", "own put after own delete");
      await other.put("k", "from elsewhere");
      assertEqual((await cached.get("k"))?.text(), "three", "cached");
      await assertRejectsWith(cached.put("k", "bad", { ttlSeconds: -1 }), "InvalidArgument", "a refused put");
      assertEqual((await cached.get("k"))?.text(), "from elsewhere", "the refused put dropped the cached entry (the stored value shows)");
    },
  }),
  defineKvCase({
    name: "cache: a cached value never outlives its own expiry",
    requires: [],
    async run(context) {
      const probe = context.kv();
      const ttl = caseTtl(probe);
      const cached = context.kv({ cacheTtlSeconds: ttl * 10 });
      await probe.put("short", "v", { ttlSeconds: ttl });
      assertEqual((await cached.get("short"))?.text(), "v", "read while live (cached)");
      context.clock.advance(ttl);
      assertEqual(await cached.get("short"), null, "null at its expiry, though cacheTtlSeconds is longer");
      await cached.put("own", "w", { ttlSeconds: ttl });
      assertEqual((await cached.get("own"))?.text(), "w", "own value with a TTL");
      context.clock.advance(ttl);
      assertEqual(await cached.get("own"), null, "own cached value expires too");
    },
  }),
  defineKvCase({
    name: "cache: with cacheTtlSeconds 0 every read sees the latest write from anywhere",
    requires: [],
    async run(context) {
      const uncached = context.kv({ cacheTtlSeconds: 0 });
      const other = context.kv();
      await other.put("k", "one");
      assertEqual((await uncached.get("k"))?.text(), "one", "first");
      await other.put("k", "two");
      assertEqual((await uncached.get("k"))?.text(), "two", "no cache: the other write shows at once");
    },
  }),
];
