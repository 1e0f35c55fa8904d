import { defineCase } from "../conformance-case.js";
import { assertBytesEqual, assertDeepEqual, assertEqual, assertTrue, fail } from "../assert.js";
import { assertStored, chunked, patternBytes, sha256Of, streamOf, utf8 } from "../case-tools.js";
import { putMetadataCases } from "./put-metadata-cases.js";

const mebibyte = 1024 * 1024;

/** put: bodies of every kind, checksums, overwrites and explicit sizes. */
const putBodyCases = [
  defineCase({
    name: "put: an empty body round-trips",
    requires: [],
    async run({ storage, key }) {
      const info = await storage.put(key("empty"), new Uint8Array(0));
      assertEqual(info.size, 0, "put's size");
      await assertStored(storage, key("empty"), new Uint8Array(0), "empty bytes");
      await storage.put(key("empty-string"), "");
      await assertStored(storage, key("empty-string"), new Uint8Array(0), "empty string");
      await storage.put(key("empty-stream"), streamOf([]));
      await assertStored(storage, key("empty-stream"), new Uint8Array(0), "empty stream");
      assertEqual((await storage.head(key("empty-stream")))?.size, 0, "head size of the empty stream");
    },
  }),
  defineCase({
    name: "put: all 256 byte values round-trip",
    requires: [],
    async run({ storage, key }) {
      const bytes = new Uint8Array(512);
      for (let index = 0; index < 512; index++) bytes[index] = index < 256 ? index : 511 - index;
      const info = await storage.put(key("bytes"), bytes);
      assertEqual(info.size, 512, "size");
      await assertStored(storage, key("bytes"), bytes, "all byte values (bytes body)");
      await storage.put(key("stream"), streamOf(chunked(bytes, 7)));
      await assertStored(storage, key("stream"), bytes, "all byte values (stream body)");
    },
  }),
  defineCase({
    name: "put: a 16 MiB stream of unknown length round-trips",
    requires: [],
    timeout: 180_000,
    async run({ storage, key }) {
      const size = 16 * mebibyte;
      const block = patternBytes(mebibyte, 7);
      // 16 blocks, each made different by its first byte, sent in 256 KiB chunks.
      const blocks = Array.from({ length: 16 }, (_, index) => {
        const copy = block.slice();
        copy[0] = index;
        return copy;
      });
      const chunks = blocks.flatMap((each) => chunked(each, 256 * 1024));
      const info = await storage.put(key("big"), streamOf(chunks));
      assertEqual(info.size, size, "put's size");
      assertEqual((await storage.head(key("big")))?.size, size, "head size");
      const object = await storage.get(key("big"));
      assertTrue(object !== null, "get finds the object");
      const read = await object.bytes();
      assertEqual(read.byteLength, size, "bytes read");
      for (let index = 0; index < 16; index++) {
        const expected = blocks[index]!;
        const actual = read.subarray(index * mebibyte, (index + 1) * mebibyte);
        assertBytesEqual(actual, expected, `block ${index}`);
      }
    },
  }),
  defineCase({
    name: "put: a stream with a declared size round-trips",
    requires: [],
    async run({ storage, key }) {
      const bytes = patternBytes(300_000, 3);
      const info = await storage.put(key("sized"), streamOf(chunked(bytes, 65_536)), { size: bytes.byteLength });
      assertEqual(info.size, bytes.byteLength, "put's size");
      await assertStored(storage, key("sized"), bytes, "sized stream");
    },
  }),
  defineCase({
    name: "put: a Blob body round-trips",
    requires: [],
    async run({ storage, key }) {
      const bytes = patternBytes(100_000, 5);
      const blob = new Blob([bytes.slice(0, 40_000), bytes.slice(40_000)], { type: "image/webp" });
      const info = await storage.put(key("blob"), blob);
      assertEqual(info.size, bytes.byteLength, "size");
      await assertStored(storage, key("blob"), bytes, "blob");
      await storage.put(key("empty-blob"), new Blob([]));
      await assertStored(storage, key("empty-blob"), new Uint8Array(0), "empty blob");
      await storage.put(key("sized-blob"), new Blob([bytes]), { size: bytes.byteLength });
      await assertStored(storage, key("sized-blob"), bytes, "blob with a matching size");
    },
  }),
  defineCase({
    name: "put: a string body is stored as UTF-8",
    requires: [],
    async run({ storage, key }) {
      const text = "\ufeffhéllo wörld · 漢字 · 😀 · \u0000 · \r\n";
      const info = await storage.put(key("text"), text);
      const expected = utf8(text);
      assertEqual(info.size, expected.byteLength, "size counts UTF-8 bytes");
      await assertStored(storage, key("text"), expected, "UTF-8 bytes");
      const object = await storage.get(key("text"));
      assertEqual(await object?.text(), text, "text() decodes it back");
    },
  }),
  defineCase({
    name: "put: an ArrayBuffer body round-trips",
    requires: [],
    async run({ storage, key }) {
      const bytes = patternBytes(1000, 9);
      const buffer = bytes.slice().buffer;
      const info = await storage.put(key("buffer"), buffer);
      assertEqual(info.size, 1000, "size");
      await assertStored(storage, key("buffer"), bytes, "ArrayBuffer");
    },
  }),
  defineCase({
    name: "put: a Uint8Array view stores only the viewed bytes",
    requires: [],
    async run({ storage, key }) {
      const backing = patternBytes(1000, 11);
      const view = backing.subarray(100, 300);
      const info = await storage.put(key("view"), view);
      assertEqual(info.size, 200, "size is the view's length");
      await assertStored(storage, key("view"), backing.slice(100, 300), "the view's bytes");
      const offsetStream = streamOf([backing.subarray(10, 20), backing.subarray(500, 505)]);
      await storage.put(key("view-stream"), offsetStream);
      const expected = new Uint8Array([...backing.subarray(10, 20), ...backing.subarray(500, 505)]);
      await assertStored(storage, key("view-stream"), expected, "stream chunks that are views");
    },
  }),
  defineCase({
    name: "put: changing the caller's bytes afterwards does not change what is stored",
    requires: [],
    async run({ storage, key }) {
      const bytes = patternBytes(64, 13);
      const original = bytes.slice();
      await storage.put(key("copied"), bytes);
      bytes.fill(0);
      await assertStored(storage, key("copied"), original, "stored bytes after the caller changed its array");
    },
  }),
  defineCase({
    name: "put: changing a streamed chunk afterwards does not change what is stored",
    requires: [],
    async run({ storage, key }) {
      const single = patternBytes(64, 29);
      const singleOriginal = single.slice();
      await storage.put(key("one-chunk"), uncopiedStream([single]));
      single.fill(0);
      await assertStored(storage, key("one-chunk"), singleOriginal, "stored bytes after the caller changed its only chunk");
      const first = patternBytes(32, 31);
      const second = patternBytes(32, 37);
      const both = new Uint8Array(64);
      both.set(first, 0);
      both.set(second, 32);
      await storage.put(key("two-chunks"), uncopiedStream([first, second]));
      first.fill(0);
      second.fill(0);
      await assertStored(storage, key("two-chunks"), both, "stored bytes after the caller changed its chunks");
    },
  }),
  defineCase({
    name: "put: a matching sha256 is accepted for bytes and streams",
    requires: ["sha256"],
    async run({ storage, key }) {
      const bytes = patternBytes(5000, 17);
      const digest = await sha256Of(bytes);
      await storage.put(key("bytes"), bytes, { sha256: digest });
      await assertStored(storage, key("bytes"), bytes, "bytes with sha256");
      await storage.put(key("stream"), streamOf(chunked(bytes, 999)), { sha256: digest.toUpperCase() });
      await assertStored(storage, key("stream"), bytes, "stream with an uppercase sha256");
      await storage.put(key("empty"), "", { sha256: await sha256Of(new Uint8Array(0)) });
      await assertStored(storage, key("empty"), new Uint8Array(0), "empty body with sha256");
    },
  }),
  defineCase({
    name: "put: the etag changes on overwrite",
    requires: [],
    async run({ storage, key }) {
      const first = await storage.put(key("e"), "version one");
      const second = await storage.put(key("e"), "version two");
      assertTrue(first.etag !== second.etag, `etag changed (${first.etag} -> ${second.etag})`);
      const third = await storage.put(key("e"), "version three, longer");
      assertTrue(third.etag !== second.etag && third.etag !== first.etag, "etag changed again");
      assertEqual((await storage.head(key("e")))?.etag, third.etag, "head has the latest etag");
      assertEqual((await storage.get(key("e")))?.etag, third.etag, "get has the latest etag");
      const other = await storage.put(key("other"), "version one");
      assertTrue(typeof other.etag === "string" && other.etag.length > 0, "another key has an etag");
    },
  }),
  defineCase({
    name: "put: an overwrite replaces data, content type and metadata together",
    requires: [],
    async run({ storage, key }) {
      await storage.put(key("o"), "first body, longer", {
        contentType: "text/plain",
        cacheControl: "no-store",
        contentDisposition: "inline",
        metadata: { old: "1", shared: "old" },
      });
      const info = await storage.put(key("o"), "second", { metadata: { shared: "new" } });
      assertEqual(info.size, 6, "new size");
      const head = await storage.head(key("o"));
      assertTrue(head !== null, "head finds the object");
      assertEqual(head.size, 6, "head size");
      assertEqual(head.contentType, "application/octet-stream", "content type is reset to the default");
      assertEqual(head.cacheControl, undefined, "cacheControl is gone");
      assertEqual(head.contentDisposition, undefined, "contentDisposition is gone");
      assertDeepEqual(head.metadata, { shared: "new" }, "metadata is replaced, not merged");
      await assertStored(storage, key("o"), utf8("second"), "body is replaced");
    },
  }),
  defineCase({
    name: "put: a reader during a streamed overwrite sees the whole old value",
    requires: [],
    async run({ storage, key }) {
      const oldValue = patternBytes(70_000, 51);
      const newValue = patternBytes(300_000, 53);
      const oldInfo = await storage.put(key("busy"), oldValue);
      const chunks = chunked(newValue, 65_536);
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let pulled!: () => void;
      const halfway = new Promise<void>((resolve) => {
        pulled = resolve;
      });
      let index = 0;
      const body = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            if (index === 2) {
              pulled();
              await released;
            }
            if (index < chunks.length) controller.enqueue(chunks[index++]!.slice());
            else controller.close();
          },
        },
        { highWaterMark: 0 },
      );
      const writing = storage.put(key("busy"), body);
      writing.catch(() => {});
      await halfway;
      // The writer has sent part of its body and waits: readers see the old object.
      const during = await storage.get(key("busy"));
      assertTrue(during !== null, "the object is visible during the write");
      assertEqual(during.etag, oldInfo.etag, "the etag during the write is the old one");
      assertBytesEqual(await during.bytes(), oldValue, "the body during the write is the old one");
      assertEqual((await storage.head(key("busy")))?.size, oldValue.byteLength, "head during the write");
      release();
      const newInfo = await writing;
      assertEqual(newInfo.size, newValue.byteLength, "the put completes");
      await assertStored(storage, key("busy"), newValue, "after the write");
    },
  }),
  defineCase({
    name: "put: an explicit size equal to the body is accepted",
    requires: [],
    async run({ storage, key }) {
      await storage.put(key("bytes"), patternBytes(10), { size: 10 });
      await storage.put(key("string"), "héllo", { size: 6 });
      await storage.put(key("empty"), new Uint8Array(0), { size: 0 });
      assertEqual((await storage.head(key("string")))?.size, 6, "string size in bytes");
      assertEqual((await storage.head(key("empty")))?.size, 0, "empty");
      if ((await storage.head(key("bytes")))?.size !== 10) fail("bytes size");
    },
  }),
];

/** Every put case, in order: the metadata cases first (put-metadata-cases.ts). */
export const putCases = [...putMetadataCases, ...putBodyCases];

/** A stream that hands out the caller's own chunk objects (streamOf copies them). */
function uncopiedStream(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index < chunks.length) controller.enqueue(chunks[index++]!);
      else controller.close();
    },
  });
}
