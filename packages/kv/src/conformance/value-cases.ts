import { defineKvCase } from "./kv-conformance-case.js";
import { assertBytesEqual, assertDeepEqual, assertEqual, assertTrue, patternBytes, utf8 } from "./kv-assert.js";

const allBytes = (): Uint8Array<ArrayBuffer> => Uint8Array.from({ length: 256 }, (_, index) => index);

/** Round trips of every value type, metadata, and the read shapes. */
export const valueCases = [
  defineKvCase({
    name: "values: a string reads back as text/plain, same text and UTF-8 bytes",
    requires: [],
    async run({ kv }) {
      const store = kv();
      const text = "héllo, wörld ✓ 🚀\n\u0000end";
      await store.put("text", text);
      const value = await store.get("text");
      assertTrue(value !== null, "the string value reads back");
      assertEqual(value.text(), text, "text()");
      assertBytesEqual(value.bytes(), utf8(text), "bytes()");
      assertEqual(value.contentType, "text/plain;charset=utf-8", "contentType");
      assertEqual(value.key, "text", "key");
      await store.put("empty", "");
      assertEqual((await store.get("empty"))?.text(), "", "an empty string is a value, not a miss");
    },
  }),
  defineKvCase({
    name: "values: JSON values (object, array, number, boolean, null, nested) read back parsed, as application/json",
    requires: [],
    async run({ kv }) {
      const store = kv();
      const values: [string, unknown][] = [
        ["object", { flag: true, name: "x", nested: { list: [1, 2.5, "three", null, { deep: false }] } }],
        ["array", [1, "two", { three: 3 }, [], null]],
        ["number", 42.125],
        ["zero", 0],
        ["negative", -7],
        ["true", true],
        ["false", false],
        ["null", null],
        ["unicode", { "ключ": "значение ✓" }],
      ];
      for (const [key, value] of values) await store.put(key, value as never);
      for (const [key, value] of values) {
        const read = await store.get(key);
        assertTrue(read !== null, `${key} reads back`);
        assertDeepEqual(read.json(), value, `${key} json()`);
        assertEqual(read.contentType, "application/json", `${key} contentType`);
        assertEqual(read.text(), JSON.stringify(value), `${key} text() is the JSON`);
      }
    },
  }),
  defineKvCase({
    name: "values: bytes, ArrayBuffer and typed arrays read back byte for byte as application/octet-stream",
    requires: [],
    async run({ kv }) {
      const store = kv();
      const bytes = allBytes();
      await store.put("bytes", bytes);
      const big = patternBytes(100_000, 7);
      await store.put("buffer", big.slice().buffer);
      await store.put("view", new Uint16Array([0x0102, 0xfffe]));
      await store.put("no-bytes", new Uint8Array(0));
      bytes[0] = 99;
      const read = await store.get("bytes");
      assertTrue(read !== null, "bytes read back");
      assertBytesEqual(read.bytes(), allBytes(), "Uint8Array round trip (the caller's later change does not leak in)");
      assertEqual(read.contentType, "application/octet-stream", "Uint8Array contentType");
      const copy = read.bytes();
      copy[1] = 200;
      assertEqual(read.bytes()[1], 1, "bytes() hands out a copy");
      const buffer = await store.get("buffer");
      assertBytesEqual(buffer!.bytes(), big, "ArrayBuffer round trip (100,000 bytes)");
      assertEqual(buffer!.contentType, "application/octet-stream", "ArrayBuffer contentType");
      assertBytesEqual((await store.get("view"))!.bytes(), new Uint8Array(new Uint16Array([0x0102, 0xfffe]).buffer), "a typed array stores its bytes");
      assertEqual((await store.get("no-bytes"))?.bytes().byteLength, 0, "an empty byte value is a value");
    },
  }),
  defineKvCase({
    name: "values: a Blob keeps its bytes and its type (octet-stream when it has none); contentType overrides",
    requires: [],
    async run({ kv }) {
      const store = kv();
      await store.put("blob", new Blob([utf8("<svg/>")], { type: "image/svg+xml" }));
      await store.put("untyped", new Blob([allBytes()]));
      await store.put("override", { a: 1 }, { contentType: "application/vnd.test+json" });
      const blob = await store.get("blob");
      assertEqual(blob?.text(), "<svg/>", "Blob bytes");
      assertEqual(blob?.contentType, "image/svg+xml", "Blob type");
      const untyped = await store.get("untyped");
      assertBytesEqual(untyped!.bytes(), allBytes(), "untyped Blob bytes");
      assertEqual(untyped!.contentType, "application/octet-stream", "untyped Blob contentType");
      const override = await store.get("override");
      assertEqual(override?.contentType, "application/vnd.test+json", "the contentType option wins");
      assertDeepEqual(override?.json(), { a: 1 }, "the overridden value still parses");
    },
  }),
  defineKvCase({
    name: "values: metadata round trips through get and getWithMetadata; a rewrite without metadata clears it",
    requires: [],
    async run({ kv }) {
      const store = kv();
      const metadata = { owner: "ops", version: 3, tags: ["a", "b"], nested: { ok: true, none: null } };
      await store.put("with", "value", { metadata });
      const read = await store.get("with");
      assertDeepEqual(read?.metadata, metadata, "get's metadata");
      const both = await store.getWithMetadata("with");
      assertEqual(both.value?.text(), "value", "getWithMetadata's value");
      assertDeepEqual(both.metadata, metadata, "getWithMetadata's metadata");
      assertEqual(both.expiresAt, undefined, "no expiry when none was set");
      await store.put("scalar", 1, { metadata: "just a string" });
      assertDeepEqual((await store.get("scalar"))?.metadata, "just a string", "a string as metadata");
      await store.put("with", "again");
      assertEqual((await store.get("with"))?.metadata, null, "a put without metadata replaces it with null");
      await store.put("without", "v");
      assertEqual((await store.getWithMetadata("without")).metadata, null, "no metadata reads as null");
    },
  }),
  defineKvCase({
    name: "values: a missing key reads as null; delete removes a value and is quiet when absent",
    requires: [],
    async run({ kv }) {
      const store = kv();
      assertEqual(await store.get("missing"), null, "get of a missing key");
      const both = await store.getWithMetadata("missing");
      assertEqual(both.value, null, "getWithMetadata's value of a missing key");
      assertEqual(both.metadata, null, "getWithMetadata's metadata of a missing key");
      await store.put("gone", "x");
      await store.delete("gone");
      assertEqual(await store.get("gone"), null, "deleted");
      await store.delete("gone");
      await store.delete("never-was");
      await store.put("a/b/c", "nested");
      assertEqual((await store.get("a/b/c"))?.text(), "nested", "a key with slashes");
    },
  }),
];
