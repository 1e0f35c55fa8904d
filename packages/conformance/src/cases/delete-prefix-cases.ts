import { isStorageError } from "@stowage/core";
import type { CaseContext } from "../conformance-case.js";
import { defineCase } from "../conformance-case.js";
import { assertDeepEqual, assertEqual, assertRejectsWith, assertTrue, fail } from "../assert.js";
import { assertStored, inBatches, listKeys, utf8 } from "../case-tools.js";

// deletePrefix lists and deletes up to 1000 keys per batch, so 2,500 keys
// take three batches. Written 32 at a time; a real bucket needs minutes.
const manyKeys = 2500;
const writeConcurrency = 32;

/** Keys that share a string prefix with "p/" or lie around it, none under "p/". */
const neighbours = ["p", "p2/x", "p.x", "p0", "o/x", "q/x", "pp/x"];

async function putUnder(context: CaseContext, sub: string, count: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, index) => `${sub}${String(index).padStart(5, "0")}`);
  await inBatches(names, writeConcurrency, async (name) => {
    await context.storage.put(context.key(name), "x");
  });
  return names;
}

async function putNeighbours(context: CaseContext): Promise<void> {
  await inBatches(neighbours, 8, async (name) => {
    await context.storage.put(context.key(name), `neighbour ${name}`);
  });
}

async function assertNeighboursIntact(context: CaseContext, message: string): Promise<void> {
  for (const name of neighbours) await assertStored(context.storage, context.key(name), utf8(`neighbour ${name}`), `${message}: ${name}`);
  // Compared as sets: the listing's order is the list cases' concern.
  assertDeepEqual([...(await listKeys(context))].sort(), neighbours.map(context.key).sort(), `${message}: what remains`);
}

export const deletePrefixCases = [
  defineCase({
    name: "deletePrefix: 2,500 keys under the prefix are deleted, with progress, and nothing else",
    requires: [],
    timeout: 900_000,
    async run(context) {
      const { storage, key } = context;
      await putUnder(context, "p/", manyKeys - 3);
      await putUnder(context, "p/deep/er/", 3);
      await putNeighbours(context);
      const progress: number[] = [];
      const result = await storage.deletePrefix(key("p/"), { onProgress: ({ deleted }) => progress.push(deleted) });
      assertEqual(result.deleted, manyKeys, "deletePrefix's count");
      assertTrue(progress.length >= 3, `progress is reported per batch (got ${progress.length} reports)`);
      for (let index = 1; index < progress.length; index++) {
        assertTrue(progress[index]! > progress[index - 1]!, `progress only grows (${JSON.stringify(progress)})`);
      }
      assertEqual(progress[progress.length - 1], manyKeys, "the last progress report");
      assertDeepEqual(await listKeys(context, "p/"), [], "nothing is left under the prefix");
      await assertNeighboursIntact(context, "keys outside the prefix");
      const again = await storage.deletePrefix(key("p/"));
      assertEqual(again.deleted, 0, "deleting an empty prefix again deletes nothing");
    },
  }),
  defineCase({
    name: "deletePrefix: an empty prefix without { all: true } gives InvalidArgument before anything is deleted",
    requires: [],
    async run(context) {
      const { storage, key } = context;
      await storage.put(key("kept"), "kept");
      let progressCalls = 0;
      const onProgress = () => {
        progressCalls++;
      };
      await assertRejectsWith(storage.deletePrefix("", { onProgress }), "InvalidArgument", "an empty prefix");
      await assertRejectsWith(storage.deletePrefix("", { all: false, onProgress }), "InvalidArgument", "an empty prefix with all: false");
      await assertRejectsWith(storage.deletePrefix(key("kept"), { all: true, onProgress }), "InvalidArgument", "all: true with a prefix");
      assertEqual(progressCalls, 0, "nothing was reported deleted");
      await assertStored(storage, key("kept"), utf8("kept"), "the object");
    },
  }),
  defineCase({
    name: "deletePrefix: aborted after the first batch, it gives Aborted, and calling again finishes the job",
    requires: [],
    timeout: 900_000,
    async run(context) {
      const { storage, key } = context;
      // Two batches are enough to stop between them.
      const total = 1200;
      await putUnder(context, "p/", total);
      await putNeighbours(context);
      const controller = new AbortController();
      let firstBatch: number | undefined;
      const aborted = storage.deletePrefix(key("p/"), {
        signal: controller.signal,
        onProgress: ({ deleted }) => {
          firstBatch ??= deleted;
          controller.abort(new Error("conformance: stop after the first batch"));
        },
      });
      try {
        await aborted;
        fail("deletePrefix resolved although it was aborted after its first batch");
      } catch (error) {
        if (!isStorageError(error, "Aborted")) throw error;
      }
      if (firstBatch === undefined) fail("no batch was reported before the abort");
      const left = await listKeys(context, "p/");
      assertTrue(left.length > 0, "the aborted deletePrefix stopped before the last batch");
      assertEqual(left.length, total - firstBatch, "what is left is what the progress did not report deleted");
      const resumed = await storage.deletePrefix(key("p/"));
      assertEqual(resumed.deleted, left.length, "calling again deletes the rest");
      assertDeepEqual(await listKeys(context, "p/"), [], "nothing is left under the prefix");
      await assertNeighboursIntact(context, "keys outside the prefix");
    },
  }),
];
