import { defineCase } from "../conformance-case.js";
import { assertEqual, assertRejectsWith } from "../assert.js";
import { assertAbsent, assertStored, utf8 } from "../case-tools.js";

export const conditionalDeleteCases = [
  defineCase({
    name: "conditional delete: a stale ifMatch gives PreconditionFailed and keeps the object; the current etag deletes it",
    requires: ["deleteIfMatch"],
    async run({ storage, key }) {
      const stale = await storage.put(key("doc"), "one");
      const current = await storage.put(key("doc"), "two");
      await assertRejectsWith(storage.delete(key("doc"), { ifMatch: stale.etag }), "PreconditionFailed", "a stale etag");
      await assertRejectsWith(storage.delete(key("doc"), { ifMatch: "not-an-etag-at-all" }), "PreconditionFailed", "a made-up etag");
      await assertStored(storage, key("doc"), utf8("two"), "the object after a stale ifMatch");
      assertEqual((await storage.head(key("doc")))?.etag, current.etag, "its etag");
      await storage.delete(key("doc"), { ifMatch: current.etag });
      await assertAbsent(storage, key("doc"), "the object after ifMatch with its etag");
      const quoted = await storage.put(key("quoted"), "q");
      await storage.delete(key("quoted"), { ifMatch: `"${quoted.etag}"` });
      await assertAbsent(storage, key("quoted"), "the object after ifMatch with its quoted etag");
    },
  }),
  defineCase({
    name: "conditional delete: ifMatch on a missing key gives PreconditionFailed",
    requires: ["deleteIfMatch"],
    async run({ storage, key }) {
      const other = await storage.put(key("other"), "other");
      await assertRejectsWith(storage.delete(key("missing"), { ifMatch: other.etag }), "PreconditionFailed", "a key never written");
      const gone = await storage.put(key("gone"), "soon gone");
      await storage.delete(key("gone"));
      await assertRejectsWith(storage.delete(key("gone"), { ifMatch: gone.etag }), "PreconditionFailed", "a deleted key, at its last etag");
      await assertAbsent(storage, key("gone"), "the deleted key");
      await assertStored(storage, key("other"), utf8("other"), "the other object");
    },
  }),
];
