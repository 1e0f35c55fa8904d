import { defineCase } from "../conformance-case.js";
import { assertEqual, assertTrue, fail } from "../assert.js";
import { assertStored, chunked, patternBytes } from "../case-tools.js";
import { failedPutLeavesNoTrace } from "./failed-put-cases.js";

// Bodies that are neither bytes nor web streams: async iterables (a Node
// Readable, an async generator) and a Blob's type. The suite runs in
// workerd, Bun and Deno too, so the Node Readable is stood in for by an
// object of its shape (a real node:stream Readable is tested in
// packages/memory/test/node-readable.test.ts).

/** A Uint8Array subclass, as Node's Buffer is. */
class BufferLike extends Uint8Array {}

/**
 * What a Node `Readable` offers `for await`: an object with
 * `Symbol.asyncIterator` yielding Buffers. Like Node's small Buffers, the
 * chunks are views into one shared pool at non-zero offsets, so a reader that
 * takes `chunk.buffer` instead of the view stores the wrong bytes.
 */
function readableLike(bytes: Uint8Array, chunkSize: number): AsyncIterable<Uint8Array> & { readable: boolean } {
  const pool = new ArrayBuffer(bytes.byteLength + 2 * chunkSize + 64);
  new Uint8Array(pool).fill(0xee);
  return {
    readable: true,
    async *[Symbol.asyncIterator]() {
      let poolOffset = 17;
      for (const chunk of chunked(bytes, chunkSize)) {
        const view = new BufferLike(pool, poolOffset, chunk.byteLength);
        view.set(chunk);
        poolOffset += chunk.byteLength + 1;
        await Promise.resolve();
        yield view;
      }
    },
  };
}

async function* generate(parts: readonly Uint8Array[], failAfter?: { count: number; error: Error }): AsyncGenerator<Uint8Array> {
  for (const [index, part] of parts.entries()) {
    if (failAfter !== undefined && index === failAfter.count) throw failAfter.error;
    // A fresh copy per chunk, as a producer would hand out.
    yield part.slice();
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
  if (failAfter !== undefined) throw failAfter.error;
}

const body = patternBytes(300_000, 33);

export const bodyCases = [
  defineCase({
    name: "put body: a Node Readable-like async iterable of Buffer views stores exactly its bytes",
    requires: [],
    async run({ storage, key }) {
      const info = await storage.put(key("readable"), readableLike(body, 65_536));
      assertEqual(info.size, body.byteLength, "put's size");
      await assertStored(storage, key("readable"), body, "the iterable's bytes");
      await storage.put(key("small-chunks"), readableLike(body.subarray(0, 5000), 1000), { size: 5000 });
      await assertStored(storage, key("small-chunks"), body.subarray(0, 5000), "small views with a declared size");
    },
  }),
  defineCase({
    name: "put body: an async generator stores its bytes (including empty chunks and an empty generator)",
    requires: [],
    async run({ storage, key }) {
      const parts = [body.subarray(0, 1), new Uint8Array(0), body.subarray(1, 100_000), new Uint8Array(0), body.subarray(100_000)];
      const info = await storage.put(key("generated"), generate(parts), { contentType: "application/x-generated" });
      assertEqual(info.size, body.byteLength, "put's size");
      await assertStored(storage, key("generated"), body, "the generator's bytes");
      assertEqual((await storage.head(key("generated")))?.contentType, "application/x-generated", "the content type");
      await storage.put(key("empty"), generate([]));
      await assertStored(storage, key("empty"), new Uint8Array(0), "an empty generator");
    },
  }),
  defineCase({
    name: "put body: an async generator that throws midway rejects, and the previous object stays unchanged",
    requires: [],
    async run(context) {
      const original = new Error("conformance: the generator broke");
      await failedPutLeavesNoTrace(
        context,
        "any",
        () => ({ body: generate(chunked(body, 65_536), { count: 2, error: original }) }),
        (error) => {
          let cause: unknown = error;
          for (let depth = 0; depth < 5 && cause !== original && cause !== undefined; depth++) {
            cause = (cause as { cause?: unknown }).cause;
          }
          assertTrue(cause === original, "the StorageError's cause chain keeps the generator's own error");
        },
      );
    },
  }),
  defineCase({
    name: "put body: an async iterable that yields a string gives InvalidArgument and changes nothing",
    requires: [],
    async run(context) {
      async function* strings(): AsyncGenerator<unknown> {
        yield body.subarray(0, 10).slice();
        yield "not bytes";
      }
      await failedPutLeavesNoTrace(context, "InvalidArgument", () => ({ body: strings() as AsyncIterable<Uint8Array> }));
    },
  }),
  defineCase({
    name: "put body: a Blob's type is the default content type",
    requires: [],
    async run({ storage, key }) {
      const csv = new Blob(["a,b\n1,2\n"], { type: "text/csv" });
      const info = await storage.put(key("table.csv"), csv);
      assertEqual(info.contentType, "text/csv", "put's content type");
      const head = await storage.head(key("table.csv"));
      if (head === null) fail("the Blob was not stored");
      assertEqual(head.contentType, "text/csv", "the stored content type");
      await storage.put(key("untyped"), new Blob(["x"]));
      assertEqual((await storage.head(key("untyped")))?.contentType, "application/octet-stream", "a Blob without a type");
    },
  }),
  defineCase({
    name: "put body: an explicit contentType wins over a Blob's type",
    requires: [],
    async run({ storage, key }) {
      const csv = new Blob(["a,b\n1,2\n"], { type: "text/csv" });
      const info = await storage.put(key("table.txt"), csv, { contentType: "text/plain; charset=utf-8" });
      assertEqual(info.contentType, "text/plain; charset=utf-8", "put's content type");
      assertEqual((await storage.head(key("table.txt")))?.contentType, "text/plain; charset=utf-8", "the stored content type");
    },
  }),
];
