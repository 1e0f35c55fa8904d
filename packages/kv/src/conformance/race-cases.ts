import { defineKvCase } from "./kv-conformance-case.js";
import { assertBytesEqual, assertTrue, fail, patternBytes } from "./kv-assert.js";

const size = 64 * 1024;

function whichWriter(bytes: Uint8Array, values: Uint8Array[]): number {
  return values.findIndex((value) => value.byteLength === bytes.byteLength && value.every((byte, index) => byte === bytes[index]));
}

/** Concurrent writers of one key. */
export const raceCases = [
  defineKvCase({
    name: "races: 20 writers of one key: every read during and after is exactly one writer's whole value; a later write wins",
    requires: [],
    timeout: 120_000,
    async run(context) {
      const writer = context.kv();
      const reader = context.kv();
      const values = Array.from({ length: 20 }, (_, index) => patternBytes(size, index + 1));
      await writer.put("hot", values[0]!);
      let reading = true;
      const reads: number[] = [];
      const readLoop = (async () => {
        while (reading) {
          const value = await reader.get("hot");
          if (value === null) fail("a reader saw the key missing while writers replaced it");
          const index = whichWriter(value.bytes(), values);
          if (index < 0) fail("a reader saw a value that is no writer's whole value (a mix or a torn write)");
          reads.push(index);
        }
      })().then(
        () => undefined,
        (error: unknown) => error,
      );
      // Each writer uses its own Kv: 20 processes.
      const results = await Promise.allSettled(values.map((value, index) => context.kv().put("hot", value, { metadata: { writer: index } })));
      reading = false;
      const readError = await readLoop;
      if (readError !== undefined) throw readError;
      assertTrue(results.every((result) => result.status === "fulfilled"), "every racing put resolved");
      const final = await context.kv().getWithMetadata("hot");
      if (final.value === null) return fail("the key is missing after the race");
      const index = whichWriter(final.value.bytes(), values);
      assertTrue(index >= 0, "the final value is exactly one writer's whole value");
      assertTrue(JSON.stringify(final.metadata) === JSON.stringify({ writer: index }), `the final metadata belongs to the same writer (${index}), got ${JSON.stringify(final.metadata)}`);
      assertTrue(reads.length > 0, "the reader read during the race");
      const last = patternBytes(size, 99);
      await writer.put("hot", last);
      assertBytesEqual((await reader.get("hot"))!.bytes(), last, "a write after the race wins");
    },
  }),
];
