import { isStorageError, type ObjectInfo } from "@stowage/core";
import { defineCase } from "../conformance-case.js";
import { assertEqual, assertRejectsWith, assertTrue, fail } from "../assert.js";
import { assertAbsent, assertStored, chunked, patternBytes, sha256Of, streamOf, utf8 } from "../case-tools.js";
import { assertFields, sourceFields, type StoredFields } from "./copy-tools.js";

const mebibyte = 1024 * 1024;

export const copyCases = [
  defineCase({
    name: "copy: the target gets the source's bytes, content type, content-* fields and metadata; the source is unchanged",
    requires: ["copy"],
    async run({ storage, key }) {
      const bytes = patternBytes(70_000, 41);
      const source = await storage.put(key("source.md"), bytes, sourceFields);
      await storage.put(key("target.md"), "the old target", { contentType: "text/plain", metadata: { old: "yes" }, cacheControl: "no-cache" });
      const copied = await storage.copy(key("source.md"), key("target.md"));
      assertEqual(copied.key, key("target.md"), "copy returns the target's info");
      assertEqual(copied.size, bytes.byteLength, "copy's size");
      assertFields(copied, sourceFields, "copy's returned info");
      const target = await storage.head(key("target.md"));
      if (target === null) fail("the target does not exist after the copy");
      assertFields(target, sourceFields, "the target (head)");
      assertEqual(copied.etag, target.etag, "copy returns the target's etag");
      await assertStored(storage, key("target.md"), bytes, "the target's bytes");
      const after = await storage.head(key("source.md"));
      if (after === null) fail("the source disappeared");
      assertEqual(after.etag, source.etag, "the source's etag");
      assertFields(after, sourceFields, "the source");
      await assertStored(storage, key("source.md"), bytes, "the source's bytes");
      const fresh = await storage.copy(key("source.md"), key("fresh/copy.md"));
      assertFields(fresh, sourceFields, "a copy onto a fresh key");
      await assertStored(storage, key("fresh/copy.md"), bytes, "a copy onto a fresh key");
    },
  }),
  defineCase({
    name: "copy: the copy and its source are independent (overwriting, updating or deleting one leaves the other)",
    requires: ["copy"],
    async run({ storage, key }) {
      const first = patternBytes(4096, 1);
      const second = patternBytes(4096, 2);
      const third = patternBytes(4096, 3);
      await storage.put(key("a"), first, { metadata: { which: "a" } });
      await storage.copy(key("a"), key("b"));
      // Overwrites of the same length: a store that overwrites in place and shares bytes between copies shows it.
      await storage.put(key("a"), second, { metadata: { which: "a2" } });
      await assertStored(storage, key("b"), first, "the copy after its source was overwritten");
      assertEqual((await storage.head(key("b")))?.metadata.which, "a", "the copy's metadata after its source was overwritten");
      await storage.put(key("b"), third);
      await assertStored(storage, key("a"), second, "the source after its copy was overwritten");
      await storage.copy(key("a"), key("c"));
      await storage.updateMetadata(key("a"), { metadata: { which: "updated" } });
      assertEqual((await storage.head(key("c")))?.metadata.which, "a2", "the copy's metadata after its source's was updated");
      await storage.delete(key("a"));
      await assertStored(storage, key("c"), second, "the copy after its source was deleted");
    },
  }),
  defineCase({
    name: "copy: given fields replace the source's, the others are kept, and metadata replaces the whole map",
    requires: ["copy"],
    async run({ storage, key }) {
      const bytes = utf8("# notes\n");
      await storage.put(key("source.md"), bytes, sourceFields);
      const changed = await storage.copy(key("source.md"), key("typed.txt"), { contentType: "text/plain", metadata: { fresh: "1" } });
      const expected: StoredFields = { ...sourceFields, contentType: "text/plain", metadata: { fresh: "1" } };
      assertFields(changed, expected, "copy's returned info");
      assertFields((await storage.head(key("typed.txt")))!, expected, "the target");
      await assertStored(storage, key("typed.txt"), bytes, "the target's bytes");
      const cached = await storage.copy(key("source.md"), key("cached.md"), { cacheControl: "no-store", contentDisposition: "inline" });
      const expectedCached: StoredFields = { ...sourceFields, cacheControl: "no-store", contentDisposition: "inline" };
      assertFields(cached, expectedCached, "copy's returned info (content-* replaced)");
      assertFields((await storage.head(key("cached.md")))!, expectedCached, "the target (content-* replaced)");
      assertFields((await storage.head(key("source.md")))!, sourceFields, "the source");
    },
  }),
  defineCase({
    name: "copy: ifNotExists onto an existing target gives AlreadyExists and leaves it unchanged",
    requires: ["copy", "copyIfNotExists"],
    async run({ storage, key }) {
      await storage.put(key("source"), "the source", sourceFields);
      const existing = await storage.put(key("target"), "the target", { metadata: { keep: "me" } });
      await assertRejectsWith(storage.copy(key("source"), key("target"), { ifNotExists: true }), "AlreadyExists", "onto an existing target");
      await assertRejectsWith(
        storage.copy(key("source"), key("target"), { ifNotExists: true, metadata: { other: "x" } }),
        "AlreadyExists",
        "onto an existing target, with metadata",
      );
      await assertStored(storage, key("target"), utf8("the target"), "the target's bytes");
      const target = await storage.head(key("target"));
      assertEqual(target?.etag, existing.etag, "the target's etag");
      assertEqual(JSON.stringify(target?.metadata), JSON.stringify({ keep: "me" }), "the target's metadata");
      const created = await storage.copy(key("source"), key("fresh"), { ifNotExists: true });
      assertFields(created, sourceFields, "ifNotExists onto a fresh key copies");
      await assertStored(storage, key("fresh"), utf8("the source"), "the fresh target");
    },
  }),
  defineCase({
    name: "copy: of 10 racing ifNotExists copies onto one key exactly one wins",
    requires: ["copy", "copyIfNotExists"],
    async run({ storage, key }) {
      await Promise.all(Array.from({ length: 10 }, (_, index) => storage.put(key(`source-${index}`), `source ${index}`)));
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, index) => storage.copy(key(`source-${index}`), key("target"), { ifNotExists: true })),
      );
      const winners = results.flatMap((result, index) => (result.status === "fulfilled" ? [index] : []));
      assertEqual(winners.length, 1, `exactly one copy wins (winners: ${JSON.stringify(winners)})`);
      for (const result of results) {
        if (result.status === "rejected" && !isStorageError(result.reason, "AlreadyExists")) {
          fail(`a losing copy got ${String(result.reason)} instead of AlreadyExists`);
        }
      }
      await assertStored(storage, key("target"), utf8(`source ${winners[0]}`), "the winner's bytes");
    },
  }),
  defineCase({
    name: "copy: ifMatch with a stale source etag gives PreconditionFailed and creates no target; the current etag copies",
    requires: ["copy", "copyIfMatch"],
    async run({ storage, key }) {
      const stale = await storage.put(key("source"), "one");
      const current = await storage.put(key("source"), "two", sourceFields);
      await assertRejectsWith(storage.copy(key("source"), key("target"), { ifMatch: stale.etag }), "PreconditionFailed", "a stale etag");
      await assertRejectsWith(
        storage.copy(key("source"), key("target"), { ifMatch: stale.etag, contentType: "text/plain" }),
        "PreconditionFailed",
        "a stale etag, with a new content type",
      );
      await assertAbsent(storage, key("target"), "the target after a stale ifMatch");
      await storage.put(key("existing"), "the existing target");
      await assertRejectsWith(storage.copy(key("source"), key("existing"), { ifMatch: stale.etag }), "PreconditionFailed", "onto an existing target");
      await assertStored(storage, key("existing"), utf8("the existing target"), "the existing target after a stale ifMatch");
      const copied = await storage.copy(key("source"), key("target"), { ifMatch: current.etag });
      assertFields(copied, sourceFields, "the copy at the current etag");
      await assertStored(storage, key("target"), utf8("two"), "the copy at the current etag");
      await storage.copy(key("source"), key("quoted"), { ifMatch: `"${current.etag}"` });
      await assertStored(storage, key("quoted"), utf8("two"), "the copy at the current etag, quoted");
    },
  }),
  defineCase({
    name: "copy: a missing source gives NotFound and leaves the target as it was",
    requires: ["copy"],
    async run({ storage, key }) {
      await assertRejectsWith(storage.copy(key("missing"), key("target")), "NotFound", "a missing source");
      await assertAbsent(storage, key("target"), "the target");
      await storage.put(key("existing"), "stays");
      await assertRejectsWith(storage.copy(key("missing"), key("existing")), "NotFound", "a missing source onto an existing target");
      await assertRejectsWith(
        storage.copy(key("missing"), key("existing"), { metadata: { a: "b" } }),
        "NotFound",
        "a missing source with metadata",
      );
      await assertStored(storage, key("existing"), utf8("stays"), "the existing target");
      await storage.put(key("deleted"), "soon gone");
      await storage.delete(key("deleted"));
      await assertRejectsWith(storage.copy(key("deleted"), key("target")), "NotFound", "a deleted source");
      await assertAbsent(storage, key("target"), "the target after copying a deleted source");
    },
  }),
  defineCase({
    name: "copy: a multipart-sized object (17 MiB + 3 bytes, streamed in) keeps its bytes and info",
    requires: ["copy"],
    timeout: 600_000,
    async run({ storage, key }) {
      const size = 17 * mebibyte + 3;
      const bytes = patternBytes(size, 17);
      const digest = await sha256Of(bytes);
      const put = await storage.put(key("large.bin"), streamOf(chunked(bytes, mebibyte)), sourceFields);
      assertEqual(put.size, size, "the source's size");
      const copied: ObjectInfo = await storage.copy(key("large.bin"), key("large-copy.bin"));
      assertEqual(copied.size, size, "copy's size");
      assertFields(copied, sourceFields, "copy's returned info");
      const object = await storage.get(key("large-copy.bin"));
      if (object === null) fail("the large copy is missing");
      assertFields(object, sourceFields, "the large copy");
      assertEqual(object.size, size, "the large copy's size");
      const read = await object.bytes();
      assertEqual(read.byteLength, size, "bytes read from the copy");
      assertTrue((await sha256Of(read)) === digest, "the copy's SHA-256 equals the source's");
    },
  }),
];
