import type { ByteRange, Storage } from "@stowage/core";
import { defineCase } from "../conformance-case.js";
import { assertBytesEqual, assertDeepEqual, assertEqual, assertRejectsWith, assertTrue } from "../assert.js";
import { patternBytes } from "../case-tools.js";

const data = patternBytes(1000, 41);

async function readRange(storage: Storage, key: string, range: ByteRange, expectedOffset: number, expectedLength: number) {
  const label = JSON.stringify(range);
  const object = await storage.get(key, { range });
  assertTrue(object !== null, `${label}: found`);
  assertDeepEqual(object.range, { offset: expectedOffset, length: expectedLength }, `${label}: range field`);
  assertEqual(object.size, data.byteLength, `${label}: size is the whole object's size`);
  assertBytesEqual(await object.bytes(), data.slice(expectedOffset, expectedOffset + expectedLength), `${label}: bytes`);
}

export const rangeCases = [
  defineCase({
    name: "range: offset and length return exactly those bytes",
    requires: ["rangeRead"],
    async run({ storage, key }) {
      await storage.put(key("r"), data);
      await readRange(storage, key("r"), { offset: 0, length: 10 }, 0, 10);
      await readRange(storage, key("r"), { offset: 100, length: 250 }, 100, 250);
      await readRange(storage, key("r"), { offset: 999, length: 1 }, 999, 1);
      await readRange(storage, key("r"), { offset: 0, length: 1000 }, 0, 1000);
    },
  }),
  defineCase({
    name: "range: an offset alone reads to the end",
    requires: ["rangeRead"],
    async run({ storage, key }) {
      await storage.put(key("r"), data);
      await readRange(storage, key("r"), { offset: 0 }, 0, 1000);
      await readRange(storage, key("r"), { offset: 600 }, 600, 400);
      await readRange(storage, key("r"), { offset: 999 }, 999, 1);
    },
  }),
  defineCase({
    name: "range: a suffix reads the last bytes",
    requires: ["rangeRead"],
    async run({ storage, key }) {
      await storage.put(key("r"), data);
      await readRange(storage, key("r"), { suffix: 1 }, 999, 1);
      await readRange(storage, key("r"), { suffix: 300 }, 700, 300);
      await readRange(storage, key("r"), { suffix: 1000 }, 0, 1000);
    },
  }),
  defineCase({
    name: "range: a suffix longer than the object returns the whole object",
    requires: ["rangeRead"],
    async run({ storage, key }) {
      await storage.put(key("r"), data);
      await readRange(storage, key("r"), { suffix: 1001 }, 0, 1000);
      await readRange(storage, key("r"), { suffix: 1_000_000 }, 0, 1000);
    },
  }),
  defineCase({
    name: "range: a length past the end is clamped and the range field says so",
    requires: ["rangeRead"],
    async run({ storage, key }) {
      await storage.put(key("r"), data);
      await readRange(storage, key("r"), { offset: 900, length: 500 }, 900, 100);
      await readRange(storage, key("r"), { offset: 0, length: 5000 }, 0, 1000);
      await readRange(storage, key("r"), { offset: 999, length: 2 }, 999, 1);
    },
  }),
  defineCase({
    name: "range: an offset at or past the size gives RangeNotSatisfiable",
    requires: ["rangeRead"],
    async run({ storage, key }) {
      await storage.put(key("r"), data);
      await assertRejectsWith(storage.get(key("r"), { range: { offset: 1000 } }), "RangeNotSatisfiable", "offset = size");
      await assertRejectsWith(storage.get(key("r"), { range: { offset: 1000, length: 1 } }), "RangeNotSatisfiable", "offset = size with length");
      await assertRejectsWith(storage.get(key("r"), { range: { offset: 5000, length: 10 } }), "RangeNotSatisfiable", "offset > size");
    },
  }),
  defineCase({
    name: "range: any range of an empty object gives RangeNotSatisfiable",
    requires: ["rangeRead"],
    async run({ storage, key }) {
      await storage.put(key("empty"), new Uint8Array(0));
      await assertRejectsWith(storage.get(key("empty"), { range: { offset: 0 } }), "RangeNotSatisfiable", "offset 0");
      await assertRejectsWith(storage.get(key("empty"), { range: { offset: 0, length: 1 } }), "RangeNotSatisfiable", "offset 0, length 1");
      await assertRejectsWith(storage.get(key("empty"), { range: { suffix: 1 } }), "RangeNotSatisfiable", "suffix 1");
    },
  }),
  defineCase({
    name: "range: a suffix on an empty object gives RangeNotSatisfiable, not the empty object",
    requires: ["rangeRead"],
    async run({ storage, key }) {
      // A server may ignore Range and answer 200 with the whole object (Swift
      // does for an empty one); a driver must not take that as the range.
      await storage.put(key("empty"), new Uint8Array(0));
      for (const suffix of [1, 5, 4096]) {
        await assertRejectsWith(storage.get(key("empty"), { range: { suffix } }), "RangeNotSatisfiable", `suffix ${suffix}`);
      }
      const whole = await storage.get(key("empty"));
      assertTrue(whole !== null, "a plain get still returns the empty object");
      assertEqual(whole.size, 0, "its size");
      assertEqual((await whole.bytes()).byteLength, 0, "its body");
    },
  }),
  defineCase({
    name: "range: a range on a missing key gives null",
    requires: ["rangeRead"],
    async run({ storage, key }) {
      assertEqual(await storage.get(key("missing"), { range: { offset: 0, length: 1 } }), null, "offset/length");
      assertEqual(await storage.get(key("missing"), { range: { suffix: 5 } }), null, "suffix");
    },
  }),
  defineCase({
    name: "range: malformed ranges give InvalidArgument",
    requires: ["rangeRead"],
    async run({ storage, key }) {
      await storage.put(key("r"), data);
      const bad = [
        { offset: -1 },
        { offset: 1.5 },
        { offset: 0, length: 0 },
        { offset: 0, length: -3 },
        { suffix: 0 },
        { suffix: -1 },
        { suffix: 5, offset: 1 },
      ] as unknown as ByteRange[];
      for (const range of bad) {
        await assertRejectsWith(storage.get(key("r"), { range }), "InvalidArgument", `range ${JSON.stringify(range)}`);
      }
    },
  }),
  defineCase({
    name: "range: a range combines with a matching ifMatch",
    requires: ["rangeRead", "conditionalGet"],
    async run({ storage, key }) {
      const info = await storage.put(key("r"), data);
      const object = await storage.get(key("r"), { range: { offset: 10, length: 5 }, ifMatch: info.etag });
      assertBytesEqual(await object!.bytes(), data.slice(10, 15), "ranged bytes under ifMatch");
      assertEqual(object!.etag, info.etag, "etag of a ranged read is the object's etag");
      await assertRejectsWith(
        storage.get(key("r"), { range: { offset: 10, length: 5 }, ifNoneMatch: info.etag }),
        "NotModified",
        "ranged read with ifNoneMatch current",
      );
    },
  }),
];
