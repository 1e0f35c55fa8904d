import { createStorage, type Storage } from "@stowage/core";
import type { CaseContext } from "../conformance-case.js";
import { defineCase } from "../conformance-case.js";
import { assertDeepEqual, assertEqual, assertRejectsWith, assertTrue, fail } from "../assert.js";
import { assertAbsent, assertStored, listKeys, utf8 } from "../case-tools.js";
import { wrapDriver } from "../wrap-driver.js";

const minute = 60_000;

/** A Storage over the case's driver whose clock the case moves (it starts at the real now, so backends see sane times). */
function clocked(context: CaseContext): { storage: Storage; at: number; set(to: number): void } {
  const state = { at: Date.now() };
  const storage = context.createStorage({ clock: () => state.at });
  return {
    storage,
    get at() {
      return state.at;
    },
    set(to: number) {
      state.at = to;
    },
  };
}

export const expiryCases = [
  defineCase({
    name: "expiry: ttlSeconds and expiresAt are reported as expiresAt by put, get, head and list; the stored field never shows in metadata",
    requires: ["expiry"],
    async run(context) {
      const clock = clocked(context);
      const { storage } = clock;
      const start = clock.at;
      const byTtl = await storage.put(context.key("ttl"), "t", { ttlSeconds: 120, metadata: { owner: "case" } });
      assertEqual(byTtl.expiresAt?.getTime(), start + 120_000, "put's expiresAt for ttlSeconds: 120");
      assertDeepEqual(byTtl.metadata, { owner: "case" }, "put's metadata");
      const at = new Date(start + 5 * minute);
      await storage.put(context.key("date"), "d", { expiresAt: at });
      await storage.put(context.key("plain"), "p");
      const head = await storage.head(context.key("ttl"));
      assertEqual(head?.expiresAt?.getTime(), start + 120_000, "head's expiresAt");
      assertDeepEqual(head?.metadata, { owner: "case" }, "head's metadata");
      const got = await storage.get(context.key("date"));
      if (got === null) fail("the object put with expiresAt is missing before it expires");
      assertEqual(got.expiresAt?.getTime(), at.getTime(), "get's expiresAt");
      assertDeepEqual(got.metadata, {}, "get's metadata");
      assertEqual(await got.text(), "d", "get's body");
      assertEqual((await storage.head(context.key("plain")))?.expiresAt, undefined, "an object put without expiry has no expiresAt");
      const listed = (await storage.list({ prefix: context.prefix })).objects;
      const byKey = new Map(listed.map((info) => [info.key, info]));
      assertEqual(byKey.get(context.key("ttl"))?.expiresAt?.getTime(), start + 120_000, "list's expiresAt");
      assertDeepEqual(byKey.get(context.key("ttl"))?.metadata, { owner: "case" }, "list's metadata");
      assertEqual(byKey.get(context.key("plain"))?.expiresAt, undefined, "list: no expiresAt without expiry");
    },
  }),
  defineCase({
    name: "expiry: an object reads as absent from the instant it expires (get, head, exists), judged by the storage clock",
    requires: ["expiry"],
    async run(context) {
      const clock = clocked(context);
      const { storage } = clock;
      const start = clock.at;
      await storage.put(context.key("soon"), "soon", { ttlSeconds: 60 });
      clock.set(start + minute - 1);
      await assertStored(storage, context.key("soon"), utf8("soon"), "one millisecond before it expires");
      assertTrue(await storage.exists(context.key("soon")), "exists one millisecond before");
      clock.set(start + minute);
      await assertAbsent(storage, context.key("soon"), "at the instant it expires");
      assertEqual(await storage.exists(context.key("soon")), false, "exists at the instant it expires");
      clock.set(start);
      await assertStored(storage, context.key("soon"), utf8("soon"), "a storage whose clock is earlier still reads it (nothing was deleted)");
    },
  }),
  defineCase({
    name: "expiry: list never returns an expired object, and pages stay full around them",
    requires: ["expiry"],
    async run(context) {
      const clock = clocked(context);
      const { storage } = clock;
      const start = clock.at;
      const live: string[] = [];
      for (let index = 0; index < 9; index++) {
        const name = context.key(`k${index}`);
        if (index % 3 === 1) {
          live.push(name);
          await storage.put(name, `live ${index}`);
        } else {
          await storage.put(name, `dying ${index}`, { ttlSeconds: 60 });
        }
      }
      clock.set(start + 2 * minute);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await storage.list({ prefix: context.prefix, limit: 2, ...(cursor === undefined ? {} : { cursor }) });
        pages++;
        for (const object of page.objects) seen.push(object.key);
        if (page.cursor !== undefined) assertEqual(page.objects.length, 2, `page ${pages} is full although expired objects lie between`);
        cursor = page.cursor;
        if (pages > 10) fail("the listing did not end");
      } while (cursor !== undefined);
      assertDeepEqual(seen, live, "every live key once, in order, and no expired key");
      assertDeepEqual(await listKeys({ ...context, storage }), live, "listAll");
    },
  }),
  defineCase({
    name: "expiry: a rewrite without expiry clears it, and a rewrite with one replaces it",
    requires: ["expiry"],
    async run(context) {
      const clock = clocked(context);
      const { storage } = clock;
      const start = clock.at;
      await storage.put(context.key("doc"), "first", { ttlSeconds: 60 });
      await storage.put(context.key("doc"), "second");
      assertEqual((await storage.head(context.key("doc")))?.expiresAt, undefined, "no expiresAt after a plain rewrite");
      clock.set(start + 10 * minute);
      await assertStored(storage, context.key("doc"), utf8("second"), "the rewritten object after the first expiry");
      await storage.put(context.key("doc"), "third", { ttlSeconds: 30 });
      assertEqual((await storage.head(context.key("doc")))?.expiresAt?.getTime(), start + 10 * minute + 30_000, "the new expiry");
      clock.set(start + 11 * minute);
      await assertAbsent(storage, context.key("doc"), "after the new expiry");
    },
  }),
  defineCase({
    name: "expiry: copy and updateMetadata keep the expiry (also with replaced metadata); an expired source is NotFound and the target is kept",
    requires: ["expiry", "copy"],
    async run(context) {
      const clock = clocked(context);
      const { storage } = clock;
      const start = clock.at;
      const instant = start + 2 * minute;
      await storage.put(context.key("src"), "body", { ttlSeconds: 120, metadata: { a: "1" } });
      const copied = await storage.copy(context.key("src"), context.key("kept"));
      assertEqual(copied.expiresAt?.getTime(), instant, "copy's result keeps expiresAt");
      assertDeepEqual(copied.metadata, { a: "1" }, "copy's result metadata");
      const replaced = await storage.copy(context.key("src"), context.key("replaced"), { metadata: { b: "2" } });
      assertEqual(replaced.expiresAt?.getTime(), instant, "copy with replaced metadata keeps expiresAt");
      assertDeepEqual((await storage.head(context.key("replaced")))?.metadata, { b: "2" }, "the replaced metadata");
      const updated = await storage.updateMetadata(context.key("src"), { contentType: "text/plain", metadata: {} });
      assertEqual(updated.expiresAt?.getTime(), instant, "updateMetadata keeps expiresAt");
      assertEqual((await storage.head(context.key("src")))?.expiresAt?.getTime(), instant, "head after updateMetadata");
      await storage.put(context.key("target"), "target stays");
      clock.set(instant);
      await assertRejectsWith(storage.copy(context.key("src"), context.key("target")), "NotFound", "copy of an expired source");
      await assertStored(storage, context.key("target"), utf8("target stays"), "the target after copying an expired source");
      await assertAbsent(storage, context.key("replaced"), "the copy expires with the source");
    },
  }),
  defineCase({
    name: "expiry: move of an expired source is NotFound and keeps the target",
    requires: ["expiry", "copy", "deleteIfMatch"],
    async run(context) {
      const clock = clocked(context);
      const { storage } = clock;
      await storage.put(context.key("src"), "old", { ttlSeconds: 60 });
      await storage.put(context.key("target"), "target stays");
      clock.set(clock.at + minute);
      await assertRejectsWith(storage.move(context.key("src"), context.key("target")), "NotFound", "move of an expired source");
      await assertStored(storage, context.key("target"), utf8("target stays"), "the target");
    },
  }),
  defineCase({
    name: "expiry: sweepExpired deletes expired objects under the prefix only, keeps the rest, and is idempotent",
    requires: ["expiry", "deleteIfMatch"],
    async run(context) {
      const clock = clocked(context);
      const { storage } = clock;
      const start = clock.at;
      await storage.put(context.key("in/old-1"), "x", { ttlSeconds: 60 });
      await storage.put(context.key("in/old-2"), "x", { ttlSeconds: 60 });
      await storage.put(context.key("in/live"), "live", { ttlSeconds: 3600 });
      await storage.put(context.key("in/plain"), "plain");
      await storage.put(context.key("out/old"), "x", { ttlSeconds: 60 });
      clock.set(start + 2 * minute);
      const progress: number[] = [];
      const first = await storage.sweepExpired({ prefix: context.key("in/"), onProgress: (p) => progress.push(p.deleted) });
      assertDeepEqual(first, { scanned: 4, deleted: 2 }, "the first sweep");
      assertTrue(progress.length > 0 && progress.at(-1) === 2, "onProgress reported the running count");
      assertDeepEqual(await storage.sweepExpired({ prefix: context.key("in/") }), { scanned: 2, deleted: 0 }, "a second sweep");
      clock.set(start);
      await assertAbsent(storage, context.key("in/old-1"), "a swept object, read with the earlier clock (really deleted)");
      await assertStored(storage, context.key("out/old"), utf8("x"), "an expired object outside the prefix");
      await assertStored(storage, context.key("in/live"), utf8("live"), "an object not yet expired");
      await assertStored(storage, context.key("in/plain"), utf8("plain"), "an object without expiry");
    },
  }),
  defineCase({
    name: "expiry: sweepExpired never deletes an object rewritten after it was listed",
    requires: ["expiry", "deleteIfMatch"],
    async run(context) {
      const clock = clocked(context);
      const start = clock.at;
      await clock.storage.put(context.key("doc"), "old", { ttlSeconds: 60 });
      let rewritten = false;
      const racing = createStorage(
        wrapDriver(context.fixture.driver, {
          methods: {
            list: async (options) => {
              const page = await context.fixture.driver.list(options);
              if (!rewritten) {
                rewritten = true;
                await context.storage.put(context.key("doc"), "new");
              }
              return page;
            },
          },
        }),
        { clock: () => start + 2 * minute },
      );
      const result = await racing.sweepExpired({ prefix: context.prefix });
      assertTrue(rewritten, "the rewrite ran between the listing and the delete");
      assertEqual(result.deleted, 0, "deleted count");
      await assertStored(context.storage, context.key("doc"), utf8("new"), "the rewrite");
    },
  }),
  defineCase({
    name: "expiry: a signed GET never serves an expired object (404 from the URL, or NotFound when signing a backend URL)",
    requires: ["expiry", "signGet"],
    async run(context) {
      const past = context.createStorage({ clock: () => Date.now() - 60 * minute });
      await past.put(context.key("gone"), "expired an hour ago", { ttlSeconds: 60 });
      const { storage } = context;
      if (storage.capabilities.signGetExpiry) {
        const response = await context.fetch(new Request((await storage.signGet(context.key("gone"))).url));
        await response.body?.cancel();
        assertEqual(response.status, 404, "a signed GET of an expired object");
      } else {
        await assertRejectsWith(storage.signGet(context.key("gone")), "NotFound", "signing a backend URL for an expired object");
        await storage.put(context.key("brief"), "brief", { ttlSeconds: 120 });
        const signed = await storage.signGet(context.key("brief"), { expiresIn: 3600 });
        assertTrue(signed.expiresAt.getTime() <= Date.now() + 120_000, "a backend URL lives no longer than its object");
      }
    },
  }),
  defineCase({
    name: "expiry: bad expiry options and the reserved metadata key are InvalidArgument before the driver runs, and the object is kept",
    requires: ["expiry"],
    async run(context) {
      const calls: string[] = [];
      const storage = createStorage(wrapDriver(context.fixture.driver, { onCall: (method) => calls.push(method) }));
      await context.storage.put(context.key("doc"), "kept");
      calls.length = 0;
      const now = Date.now();
      const refused: [string, object][] = [
        ["both", { ttlSeconds: 60, expiresAt: new Date(now + minute) }],
        ["ttl 0", { ttlSeconds: 0 }],
        ["ttl 1.5", { ttlSeconds: 1.5 }],
        ["ttl -5", { ttlSeconds: -5 }],
        ["ttl as text", { ttlSeconds: "60" }],
        ["expiresAt in the past", { expiresAt: new Date(now - minute) }],
        ["expiresAt as a number", { expiresAt: now + minute }],
        ["an invalid Date", { expiresAt: new Date(Number.NaN) }],
        ["the reserved metadata key", { metadata: { "stowage-expires-at": String(now + minute) } }],
      ];
      for (const [label, options] of refused) {
        await assertRejectsWith(storage.put(context.key("doc"), "replaced", options as never), "InvalidArgument", label);
      }
      assertDeepEqual(calls, [], "the driver was not called");
      await assertStored(context.storage, context.key("doc"), utf8("kept"), "the object after refused puts");
    },
  }),
];
