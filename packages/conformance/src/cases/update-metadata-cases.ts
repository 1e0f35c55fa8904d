import { defineCase } from "../conformance-case.js";
import { assertEqual, assertRejectsWith, fail } from "../assert.js";
import { assertStored, patternBytes } from "../case-tools.js";
import { assertFields, sourceFields, type StoredFields } from "./copy-tools.js";

export const updateMetadataCases = [
  defineCase({
    name: "updateMetadata: changes the metadata and content type, keeps the body and the other fields",
    requires: ["copy"],
    async run({ storage, key }) {
      const bytes = patternBytes(50_000, 8);
      await storage.put(key("doc"), bytes, sourceFields);
      const updated = await storage.updateMetadata(key("doc"), { contentType: "text/x-rst", metadata: { reviewed: "yes" } });
      const expected: StoredFields = { ...sourceFields, contentType: "text/x-rst", metadata: { reviewed: "yes" } };
      assertEqual(updated.key, key("doc"), "updateMetadata returns the object's info");
      assertEqual(updated.size, bytes.byteLength, "the size");
      assertFields(updated, expected, "updateMetadata's returned info");
      const head = await storage.head(key("doc"));
      if (head === null) fail("the object disappeared");
      assertFields(head, expected, "the object (head)");
      assertEqual(head.etag, updated.etag, "updateMetadata returns the current etag");
      await assertStored(storage, key("doc"), bytes, "the body");
      await storage.updateMetadata(key("doc"), { cacheControl: "no-store" });
      assertFields((await storage.head(key("doc")))!, { ...expected, cacheControl: "no-store" }, "after changing cacheControl only");
      await assertStored(storage, key("doc"), bytes, "the body after a second update");
      await assertRejectsWith(storage.updateMetadata(key("missing"), { metadata: {} }), "NotFound", "a missing key");
    },
  }),
  defineCase({
    name: "updateMetadata: a stale ifMatch gives PreconditionFailed and changes nothing; the current etag updates",
    requires: ["copy", "copyIfMatch"],
    async run({ storage, key }) {
      const stale = await storage.put(key("doc"), "one");
      const current = await storage.put(key("doc"), "two", sourceFields);
      await assertRejectsWith(
        storage.updateMetadata(key("doc"), { metadata: { changed: "yes" } }, { ifMatch: stale.etag }),
        "PreconditionFailed",
        "a stale etag",
      );
      const head = await storage.head(key("doc"));
      assertEqual(head?.etag, current.etag, "the etag stays");
      assertFields(head!, sourceFields, "the fields stay");
      const updated = await storage.updateMetadata(key("doc"), { metadata: { changed: "yes" } }, { ifMatch: current.etag });
      assertFields(updated, { ...sourceFields, metadata: { changed: "yes" } }, "the update at the current etag");
      await assertStored(storage, key("doc"), new TextEncoder().encode("two"), "the body");
    },
  }),
];
