import { isStorageError } from "@stowage/core";
import { defineCase } from "../conformance-case.js";
import { assertDeepEqual, assertEqual, assertRejectsWith, assertTrue, fail } from "../assert.js";
import { assertAbsent, assertStored, listKeys, utf8 } from "../case-tools.js";

export const conditionalCases = [
  defineCase({
    name: "conditional put: ifNotExists creates once, then gives AlreadyExists",
    requires: ["putIfNotExists"],
    async run({ storage, key }) {
      const first = await storage.put(key("once"), "first", { ifNotExists: true });
      assertEqual(first.size, 5, "the first create-only put succeeds");
      const error = await assertRejectsWith(storage.put(key("once"), "second", { ifNotExists: true }), "AlreadyExists", "the second");
      assertEqual(error.retryable, false, "AlreadyExists is not retryable");
      await assertStored(storage, key("once"), utf8("first"), "the first value stays");
      assertEqual((await storage.head(key("once")))?.etag, first.etag, "the etag stays");
    },
  }),
  defineCase({
    name: "conditional put: ifNotExists succeeds again after a delete",
    requires: ["putIfNotExists"],
    async run({ storage, key }) {
      await storage.put(key("again"), "one", { ifNotExists: true });
      await storage.delete(key("again"));
      await storage.put(key("again"), "two", { ifNotExists: true });
      await assertStored(storage, key("again"), utf8("two"), "recreated");
    },
  }),
  defineCase({
    name: "conditional put: of 20 racing ifNotExists puts exactly one wins",
    requires: ["putIfNotExists"],
    async run(context) {
      const { storage, key } = context;
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, index) => storage.put(key("race"), `writer ${index}`, { ifNotExists: true })),
      );
      const winners = results.flatMap((result, index) => (result.status === "fulfilled" ? [index] : []));
      assertEqual(winners.length, 1, `exactly one writer wins (winners: ${JSON.stringify(winners)})`);
      for (const result of results) {
        if (result.status === "rejected" && !isStorageError(result.reason, "AlreadyExists")) {
          fail(`a losing writer got ${String(result.reason)} instead of AlreadyExists`);
        }
      }
      await assertStored(storage, key("race"), utf8(`writer ${winners[0]}`), "the winner's value is stored");
      assertDeepEqual(await listKeys(context), [key("race")], "one object");
    },
  }),
  defineCase({
    name: "conditional put: ifMatch with the current etag replaces the object",
    requires: ["putIfMatch"],
    async run({ storage, key }) {
      const first = await storage.put(key("cas"), "one");
      const second = await storage.put(key("cas"), "two", { ifMatch: first.etag });
      assertTrue(second.etag !== first.etag, "the etag changed");
      await assertStored(storage, key("cas"), utf8("two"), "replaced");
      await storage.put(key("cas"), "three", { ifMatch: second.etag });
      await assertStored(storage, key("cas"), utf8("three"), "replaced again");
    },
  }),
  defineCase({
    name: "conditional put: ifMatch with a stale etag gives PreconditionFailed",
    requires: ["putIfMatch"],
    async run({ storage, key }) {
      const stale = await storage.put(key("cas"), "one");
      const current = await storage.put(key("cas"), "two");
      await assertRejectsWith(storage.put(key("cas"), "three", { ifMatch: stale.etag }), "PreconditionFailed", "a stale etag");
      await assertRejectsWith(storage.put(key("cas"), "three", { ifMatch: "not-an-etag-at-all" }), "PreconditionFailed", "a made-up etag");
      await assertStored(storage, key("cas"), utf8("two"), "the current value stays");
      assertEqual((await storage.head(key("cas")))?.etag, current.etag, "the etag stays");
    },
  }),
  defineCase({
    name: "conditional put: ifMatch on a missing key gives PreconditionFailed and creates nothing",
    requires: ["putIfMatch"],
    async run({ storage, key }) {
      const other = await storage.put(key("other"), "other");
      await assertRejectsWith(storage.put(key("missing"), "x", { ifMatch: other.etag }), "PreconditionFailed", "ifMatch on a missing key");
      await assertAbsent(storage, key("missing"), "the missing key");
      await storage.put(key("deleted"), "soon gone");
      const etag = (await storage.head(key("deleted")))!.etag;
      await storage.delete(key("deleted"));
      await assertRejectsWith(storage.put(key("deleted"), "x", { ifMatch: etag }), "PreconditionFailed", "ifMatch after a delete");
      await assertAbsent(storage, key("deleted"), "the deleted key");
    },
  }),
  defineCase({
    name: "conditional put: ifMatch accepts a quoted etag",
    requires: ["putIfMatch"],
    async run({ storage, key }) {
      const first = await storage.put(key("quoted"), "one");
      await storage.put(key("quoted"), "two", { ifMatch: `"${first.etag}"` });
      await assertStored(storage, key("quoted"), utf8("two"), "replaced through a quoted etag");
    },
  }),
  defineCase({
    name: "conditional put: a compare-and-swap race of 5 workers x 10 increments ends at 50",
    requires: ["putIfMatch"],
    timeout: 180_000,
    async run({ storage, key }) {
      const counter = key("counter");
      await storage.put(counter, "0");
      let conflicts = 0;
      const worker = async () => {
        for (let done = 0; done < 10; ) {
          const object = await storage.get(counter);
          if (object === null) fail("the counter disappeared");
          const value = Number(await object.text());
          try {
            await storage.put(counter, String(value + 1), { ifMatch: object.etag });
            done++;
          } catch (error) {
            if (!isStorageError(error, "PreconditionFailed")) throw error;
            conflicts++;
          }
        }
      };
      await Promise.all(Array.from({ length: 5 }, worker));
      const final = await storage.get(counter);
      assertEqual(await final?.text(), "50", `the counter (after ${conflicts} conflicts)`);
    },
  }),
];
