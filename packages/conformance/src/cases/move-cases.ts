import { isStorageError } from "@stowage/core";
import { defineCase } from "../conformance-case.js";
import { assertEqual, assertRejectsWith, fail } from "../assert.js";
import { assertAbsent, assertStored, patternBytes, utf8 } from "../case-tools.js";
import { assertFields, sourceFields } from "./copy-tools.js";

/** Yields to the event loop's microtask queue `count` times, so a racing call starts at a different step each round. */
async function afterMicrotasks(count: number): Promise<void> {
  for (let index = 0; index < count; index++) await Promise.resolve();
}

const raceRounds = 20;

export const moveCases = [
  defineCase({
    name: "move: the target gets the bytes, content type, content-* fields and metadata, and the source is gone",
    requires: ["copy", "deleteIfMatch"],
    async run({ storage, key }) {
      const bytes = patternBytes(30_000, 9);
      const source = await storage.put(key("from.md"), bytes, sourceFields);
      await storage.put(key("to.md"), "the old target", { metadata: { old: "yes" } });
      const moved = await storage.move(key("from.md"), key("to.md"));
      assertEqual(moved.key, key("to.md"), "move returns the target's info");
      assertEqual(moved.size, source.size, "move's size");
      assertFields(moved, sourceFields, "move's returned info");
      const target = await storage.head(key("to.md"));
      if (target === null) fail("the target does not exist after the move");
      assertFields(target, sourceFields, "the target");
      assertEqual(target.etag, moved.etag, "move returns the target's etag");
      await assertStored(storage, key("to.md"), bytes, "the target's bytes");
      await assertAbsent(storage, key("from.md"), "the source");
      await assertRejectsWith(storage.move(key("from.md"), key("again")), "NotFound", "moving the source again");
      await assertAbsent(storage, key("again"), "the target of a move from a missing key");
    },
  }),
  defineCase({
    name: "move: ifNotExists onto an existing target gives AlreadyExists and leaves both unchanged",
    requires: ["copy", "deleteIfMatch", "copyIfNotExists"],
    async run({ storage, key }) {
      const source = await storage.put(key("from"), "the source", sourceFields);
      const target = await storage.put(key("to"), "the target", { metadata: { keep: "me" } });
      await assertRejectsWith(storage.move(key("from"), key("to"), { ifNotExists: true }), "AlreadyExists", "onto an existing target");
      await assertStored(storage, key("from"), utf8("the source"), "the source's bytes");
      await assertStored(storage, key("to"), utf8("the target"), "the target's bytes");
      assertEqual((await storage.head(key("from")))?.etag, source.etag, "the source's etag");
      const after = await storage.head(key("to"));
      assertEqual(after?.etag, target.etag, "the target's etag");
      assertEqual(JSON.stringify(after?.metadata), JSON.stringify({ keep: "me" }), "the target's metadata");
      await storage.move(key("from"), key("fresh"), { ifNotExists: true });
      await assertStored(storage, key("fresh"), utf8("the source"), "ifNotExists onto a fresh key moves");
      await assertAbsent(storage, key("from"), "the source after the move");
    },
  }),
  defineCase({
    name: "move: a move racing an overwrite of its source never loses the new bytes (20 rounds)",
    requires: ["copy", "deleteIfMatch"],
    timeout: 300_000,
    async run({ storage, key }) {
      const outcomes: string[] = [];
      for (let round = 0; round < raceRounds; round++) {
        const from = key(`from-${round}`);
        const to = key(`to-${round}`);
        const fresh = utf8(`the new bytes of round ${round}`);
        await storage.put(from, `the old bytes of round ${round}`);
        // The first rounds start the move a few microtasks late, the others the
        // overwrite, one more each round: over the rounds the overwrite lands
        // before the move, between its steps (head, copy, delete) and after it.
        const offset = round - 6;
        const [move, put] = await Promise.allSettled([
          afterMicrotasks(-offset).then(() => storage.move(from, to)),
          afterMicrotasks(offset).then(() => storage.put(from, fresh)),
        ]);
        if (put.status === "rejected") fail(`round ${round}: the overwrite failed: ${String(put.reason)}`);
        if (move.status === "rejected" && !isStorageError(move.reason, "PreconditionFailed")) {
          fail(`round ${round}: the move failed with ${String(move.reason)} (only PreconditionFailed may say the source changed)`);
        }
        const atSource = await storage.get(from);
        const atTarget = await storage.get(to);
        const sourceBytes = atSource === null ? undefined : await atSource.text();
        const targetBytes = atTarget === null ? undefined : await atTarget.text();
        const expected = `the new bytes of round ${round}`;
        if (sourceBytes !== expected && targetBytes !== expected) {
          fail(
            `round ${round}: the overwrite was lost (move ${move.status}; source ${JSON.stringify(sourceBytes)}, target ${JSON.stringify(targetBytes)})`,
          );
        }
        outcomes.push(`${move.status === "fulfilled" ? "moved" : "refused"}:${sourceBytes === expected ? "source" : "target"}`);
      }
      assertEqual(outcomes.length, raceRounds, "every round ran");
    },
  }),
];
