import { defineKvCase } from "./kv-conformance-case.js";
import { assertDeepEqual, assertEqual, assertRejectsWith, assertTrue, nextTask } from "./kv-assert.js";
import { caseTtl, listedNames } from "./expiry-cases.js";

/** `sweepExpired`: needs a backend that deletes only what it saw expired. */
export const sweepCases = [
  defineKvCase({
    name: "sweep: sweepExpired deletes the expired values only, counts them, and is idempotent",
    requires: ["sweep"],
    async run(context) {
      const store = context.kv();
      const ttl = caseTtl(store);
      for (let index = 0; index < 5; index++) await store.put(`old-${index}`, index, { ttlSeconds: ttl });
      for (let index = 0; index < 3; index++) await store.put(`new-${index}`, index, index === 0 ? { ttlSeconds: ttl * 5 } : {});
      context.clock.advance(ttl);
      const first = await store.sweepExpired();
      assertEqual(first.deleted, 5, "the first sweep deletes the 5 expired values");
      assertTrue(first.scanned >= 8, `the first sweep examined every key (scanned ${first.scanned})`);
      const second = await store.sweepExpired();
      assertEqual(second.deleted, 0, "a second sweep deletes nothing (idempotent)");
      assertDeepEqual(await listedNames(store), ["new-0", "new-1", "new-2"], "the live values remain");
      for (let index = 0; index < 3; index++) assertEqual((await store.get(`new-${index}`))?.json(), index, `new-${index} still reads`);
      // Swept values are gone for good: a clock moved back does not bring them back.
      const earlier = context.kv();
      context.clock.advance(-ttl);
      assertEqual(await earlier.get("old-0"), null, "a swept value is deleted, not just hidden");
      assertEqual((await earlier.get("new-1"))?.json(), 1, "a live value is untouched");
    },
  }),
  defineKvCase({
    name: "sweep: a value rewritten while sweepExpired runs survives it (the delete is conditional on what the sweep saw)",
    requires: ["sweep"],
    async run(context) {
      const store = context.kv();
      const ttl = caseTtl(store);
      const keys = Array.from({ length: 12 }, (_, index) => `race-${index.toString().padStart(2, "0")}`);
      for (const key of keys) await store.put(key, "expired", { ttlSeconds: ttl });
      context.clock.advance(ttl);
      const sweeping = store.sweepExpired();
      await nextTask();
      const writer = context.kv();
      await Promise.all(keys.map((key) => writer.put(key, `rewritten ${key}`)));
      const result = await sweeping;
      assertTrue(result.deleted <= keys.length, "the sweep deleted at most the expired values");
      for (const key of keys) assertEqual((await context.kv().get(key))?.text(), `rewritten ${key}`, `${key}'s rewrite survives the sweep`);
      const again = await store.sweepExpired();
      assertEqual(again.deleted, 0, "nothing left to sweep");
    },
  }),
  defineKvCase({
    name: "sweep: a sweep limited to a prefix leaves other expired values alone",
    requires: ["sweep"],
    async run(context) {
      const store = context.kv();
      const ttl = caseTtl(store);
      await store.put("in/a", 1, { ttlSeconds: ttl });
      await store.put("out/a", 2, { ttlSeconds: ttl });
      context.clock.advance(ttl);
      assertEqual((await store.sweepExpired({ prefix: "in/" })).deleted, 1, "one expired value under in/");
      assertEqual((await store.sweepExpired({ prefix: "out/" })).deleted, 1, "out/a was still there to sweep");
    },
  }),
];

/** Where the backend cannot sweep safely, sweepExpired says so. */
export const sweepRefusalCases = [
  defineKvCase({
    name: "sweep: where the backend cannot sweep safely, sweepExpired is Unsupported and deletes nothing (where it can, it leaves live values alone)",
    requires: [],
    async run(context) {
      const store = context.kv();
      await store.put("k", "v");
      if (store.sweepSupported) {
        assertEqual((await store.sweepExpired()).deleted, 0, "nothing expired, nothing deleted");
        assertEqual((await store.get("k"))?.text(), "v", "the live value is untouched");
        return;
      }
      await assertRejectsWith(store.sweepExpired(), "Unsupported", "sweepExpired without support");
      assertEqual((await store.get("k"))?.text(), "v", "the value is untouched");
    },
  }),
];
