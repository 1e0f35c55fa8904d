import { defineCase } from "../conformance-case.js";
import { assertDeepEqual, assertEqual, assertRejectsWith } from "../assert.js";
import { assertAbsent, assertStored, inBatches, listKeys, utf8 } from "../case-tools.js";

export const deleteCases = [
  defineCase({
    name: "delete: a missing key succeeds",
    requires: [],
    async run({ storage, key }) {
      await storage.delete(key("never-written"));
      await storage.delete([key("never-1"), key("never-2")]);
      await storage.delete([]);
      await storage.put(key("twice"), "x");
      await storage.delete(key("twice"));
      await storage.delete(key("twice"));
      await assertAbsent(storage, key("twice"), "deleted twice");
    },
  }),
  defineCase({
    name: "delete: removes the object and nothing else",
    requires: [],
    async run(context) {
      const { storage, key } = context;
      await storage.put(key("doomed"), "x");
      await storage.put(key("doomed-not"), "y");
      await storage.put(key("doomed/child"), "z");
      await storage.delete(key("doomed"));
      await assertAbsent(storage, key("doomed"), "the deleted key");
      await assertStored(storage, key("doomed-not"), utf8("y"), "a key that shares its prefix");
      await assertStored(storage, key("doomed/child"), utf8("z"), "a key below it");
      assertDeepEqual(await listKeys(context), [key("doomed-not"), key("doomed/child")], "list");
    },
  }),
  defineCase({
    name: "delete: an array of 1000 keys deletes them all",
    requires: [],
    timeout: 300_000,
    async run(context) {
      const { storage, key } = context;
      const names = Array.from({ length: 1000 }, (_, index) => `bulk/${String(index).padStart(4, "0")}`);
      await inBatches(names, 16, async (name) => {
        await storage.put(key(name), "");
      });
      await storage.put(key("keep"), "keep");
      assertEqual((await listKeys(context, "bulk/")).length, 1000, "1000 objects before");
      await storage.delete(names.map(key));
      assertDeepEqual(await listKeys(context), [key("keep")], "only the kept key is left");
      assertEqual(await storage.head(key("bulk/0000")), null, "the first is gone");
      assertEqual(await storage.head(key("bulk/0999")), null, "the last is gone");
    },
  }),
  defineCase({
    name: "delete: duplicate and missing keys in one array are fine",
    requires: [],
    async run(context) {
      const { storage, key } = context;
      await storage.put(key("a"), "a");
      await storage.put(key("b"), "b");
      await storage.put(key("c"), "c");
      await storage.delete([key("a"), key("a"), key("missing"), key("b"), key("a")]);
      assertDeepEqual(await listKeys(context), [key("c")], "only c is left");
    },
  }),
  defineCase({
    name: "delete: an already aborted signal gives Aborted and deletes nothing",
    requires: [],
    async run(context) {
      const { storage, key } = context;
      await storage.put(key("a"), "a");
      await storage.put(key("b"), "b");
      const controller = new AbortController();
      controller.abort(new Error("conformance: cancelled before the delete"));
      const signal = controller.signal;
      await assertRejectsWith(storage.delete(key("a"), { signal }), "Aborted", "delete of one key");
      await assertRejectsWith(storage.delete([key("a"), key("b")], { signal }), "Aborted", "delete of an array");
      await assertRejectsWith(storage.delete(key("missing"), { signal }), "Aborted", "delete of a missing key");
      await assertStored(storage, key("a"), utf8("a"), "a stays");
      await assertStored(storage, key("b"), utf8("b"), "b stays");
      await storage.delete([key("a"), key("b")], { signal: new AbortController().signal });
      assertDeepEqual(await listKeys(context), [], "a live signal does not get in the way");
    },
  }),
];
