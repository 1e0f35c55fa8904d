import type { ObjectInfo } from "@stowage/core";
import { defineCase } from "../conformance-case.js";
import { assertEqual, assertDeepEqual, assertRejectsWith, assertTrue } from "../assert.js";

function infoOf(value: ObjectInfo): Record<string, unknown> {
  return {
    key: value.key,
    size: value.size,
    etag: value.etag,
    lastModified: value.lastModified.getTime(),
    contentType: value.contentType,
    cacheControl: value.cacheControl,
    contentDisposition: value.contentDisposition,
    contentEncoding: value.contentEncoding,
    metadata: value.metadata,
  };
}

export const headCases = [
  defineCase({
    name: "head: a missing key gives null",
    requires: [],
    async run({ storage, key }) {
      assertEqual(await storage.head(key("missing")), null, "never written");
      await storage.put(key("dir/file"), "x");
      assertEqual(await storage.head(key("dir")), null, "a directory-like prefix is not an object");
      await storage.put(key("gone"), "x");
      await storage.delete(key("gone"));
      assertEqual(await storage.head(key("gone")), null, "deleted");
    },
  }),
  defineCase({
    name: "head: returns the same info as get",
    requires: [],
    async run({ storage, key }) {
      await storage.put(key("plain"), "plain");
      await storage.put(key("full"), "full body", {
        contentType: "text/markdown; charset=utf-8",
        cacheControl: "max-age=60",
        contentDisposition: "inline",
        contentEncoding: "identity",
        metadata: { one: "1", two: "2" },
      });
      for (const name of ["plain", "full"]) {
        const head = await storage.head(key(name));
        const object = await storage.get(key(name));
        assertTrue(head !== null && object !== null, `${name} exists`);
        assertDeepEqual(infoOf(head), infoOf(object), `${name}: head equals get`);
        assertEqual(Object.prototype.hasOwnProperty.call(head, "body"), false, `${name}: head has no body`);
      }
    },
  }),
  defineCase({
    name: "head: reflects an overwrite",
    requires: [],
    async run({ storage, key }) {
      const first = await storage.put(key("h"), "short", { metadata: { v: "1" } });
      assertEqual((await storage.head(key("h")))?.etag, first.etag, "head before the overwrite");
      const second = await storage.put(key("h"), "a longer body", { metadata: { v: "2" } });
      const head = await storage.head(key("h"));
      assertEqual(head?.size, 13, "size");
      assertEqual(head?.etag, second.etag, "etag");
      assertDeepEqual(head?.metadata, { v: "2" }, "metadata");
      await storage.delete(key("h"));
      assertEqual(await storage.head(key("h")), null, "head after a delete");
    },
  }),
  defineCase({
    name: "head: the info put returns equals head's",
    requires: [],
    async run({ storage, key }) {
      const info = await storage.put(key("p"), "put info", { contentType: "text/plain", metadata: { m: "x" } });
      const head = await storage.head(key("p"));
      assertTrue(head !== null, "exists");
      const withoutTime = (value: ObjectInfo) => ({ ...infoOf(value), lastModified: undefined });
      assertDeepEqual(withoutTime(head), withoutTime(info), "put's info equals head's (apart from lastModified)");
      // Servers keep seconds; allow the difference a real server makes.
      assertTrue(Math.abs(head.lastModified.getTime() - info.lastModified.getTime()) < 2000, "lastModified agrees within 2 s");
    },
  }),
  defineCase({
    name: "head: an already aborted signal gives Aborted",
    requires: [],
    async run({ storage, key }) {
      await storage.put(key("a"), "content");
      const controller = new AbortController();
      controller.abort(new Error("conformance: cancelled before the head"));
      await assertRejectsWith(storage.head(key("a"), { signal: controller.signal }), "Aborted", "head with an aborted signal");
      await assertRejectsWith(storage.head(key("missing"), { signal: controller.signal }), "Aborted", "head of a missing key with an aborted signal");
      const live = new AbortController();
      assertEqual((await storage.head(key("a"), { signal: live.signal }))?.size, 7, "a live signal does not get in the way");
    },
  }),
];
