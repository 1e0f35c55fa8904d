import type { CaseContext } from "../conformance-case.js";
import { defineCase } from "../conformance-case.js";
import { assertDeepEqual, assertEqual, assertRejectsWith, assertTrue, fail } from "../assert.js";
import { collectListing, compareCodePoints, inBatches, listKeys } from "../case-tools.js";

async function putAll(context: CaseContext, names: readonly string[]): Promise<void> {
  await inBatches(names, 8, async (name) => {
    await context.storage.put(context.key(name), name);
  });
}

function assertNoDuplicates(entries: string[], message: string): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry)) fail(`${message}: ${JSON.stringify(entry)} was listed twice`);
    seen.add(entry);
  }
}

// Characters in UTF-8 order; JavaScript's default sort (UTF-16 code units)
// puts the two above U+FFFF before U+E000 and U+FFFD.
const orderedNames = [
  " space",
  "-dash",
  "0",
  "A",
  "Z",
  "_",
  "a",
  "z",
  "~",
  "\u00e9",
  "\u4e2d",
  "\ud7ff",
  "\ue000",
  "\ufb01",
  "\ufffd",
  "\u{1d11e}",
  "\u{1f600}",
  "\u{1f600}\u{1f600}",
];

export const listCases = [
  defineCase({
    name: "list: keys are ordered by UTF-8 bytes, not UTF-16 code units",
    requires: [],
    async run(context) {
      const expected = orderedNames.map(context.key);
      assertTrue(
        JSON.stringify([...expected].sort()) !== JSON.stringify(expected),
        "the fixture differs between UTF-16 and UTF-8 order",
      );
      await putAll(context, [...orderedNames].reverse());
      const page = await context.storage.list({ prefix: context.prefix });
      assertDeepEqual(page.objects.map((object) => object.key), expected, "one page");
      const paged = await collectListing(context.storage, { prefix: context.prefix, limit: 4 });
      assertDeepEqual(paged.objects.map((object) => object.key), expected, "pages of 4");
    },
  }),
  defineCase({
    name: "list: a key with U+FFFF (not allowed in XML 1.0) lists in order and round-trips",
    requires: [],
    async run(context) {
      // S3 listings are XML; U+FFFF cannot appear raw in XML 1.0 (Swift
      // answers 500 unless the listing is URL-encoded).
      const { storage, key } = context;
      const names = ["a\ufffd", "a\uffff", "a\uffffb", "a\u{10000}", "b"];
      await inBatches(names, 4, async (name) => {
        await storage.put(key(name), `body of ${name}`);
      });
      const expected = names.map(key);
      const page = await storage.list({ prefix: context.prefix });
      assertDeepEqual(page.objects.map((object) => object.key), expected, "one page");
      const paged = await collectListing(storage, { prefix: context.prefix, limit: 2 });
      assertDeepEqual(paged.objects.map((object) => object.key), expected, "pages of 2");
      const under = await storage.list({ prefix: key("a\uffff") });
      assertDeepEqual(under.objects.map((object) => object.key), [key("a\uffff"), key("a\uffffb")], "a prefix ending in U+FFFF");
      for (const listed of page.objects) {
        const object = await storage.get(listed.key);
        assertTrue(object !== null, `the listed key ${JSON.stringify(listed.key)} reads back`);
        assertEqual(await object.text(), `body of ${listed.key.slice(context.prefix.length)}`, `the body of ${JSON.stringify(listed.key)}`);
      }
      if (storage.capabilities.listDelimiter) {
        await storage.put(key("d\uffff/inner"), "x");
        const rolled = await storage.list({ prefix: context.prefix, delimiter: "/" });
        assertDeepEqual(rolled.prefixes, [key("d\uffff/")], "a common prefix with U+FFFF");
      }
    },
  }),
  defineCase({
    name: "list: prefix filters keys",
    requires: [],
    async run(context) {
      const { storage, key } = context;
      await putAll(context, ["a", "a/1", "a/2", "ab", "b/1", "ba", "a\u00e9", "A"]);
      const keysFor = async (prefix: string) => (await storage.list({ prefix })).objects.map((object) => object.key);
      assertDeepEqual(await keysFor(key("a")), ["a", "a/1", "a/2", "ab", "a\u00e9"].map(key), "prefix a");
      assertDeepEqual(await keysFor(key("a/")), ["a/1", "a/2"].map(key), "prefix a/");
      assertDeepEqual(await keysFor(key("ab")), [key("ab")], "a prefix equal to a key includes it");
      assertDeepEqual(await keysFor(key("c")), [], "no match");
      assertDeepEqual(await keysFor(key("a/1/")), [], "a prefix below an object");
      assertEqual((await keysFor(context.prefix)).length, 8, "the case's prefix holds all 8");
    },
  }),
  defineCase({
    name: "list: entries carry key, size and etag",
    requires: [],
    async run(context) {
      const { storage, key } = context;
      const one = await storage.put(key("one"), "1");
      const three = await storage.put(key("three"), "333");
      const empty = await storage.put(key("zero"), "");
      const page = await storage.list({ prefix: context.prefix });
      assertDeepEqual(
        page.objects.map((object) => ({ key: object.key, size: object.size, etag: object.etag })),
        [one, three, empty].map((info) => ({ key: info.key, size: info.size, etag: info.etag })),
        "list entries",
      );
      for (const object of page.objects) {
        assertTrue(object.lastModified instanceof Date && !Number.isNaN(object.lastModified.getTime()), "lastModified is a Date");
      }
      assertDeepEqual(page.prefixes, [], "no prefixes without a delimiter");
      assertEqual(page.cursor, undefined, "no cursor");
    },
  }),
  defineCase({
    name: "list: a delimiter rolls keys up into common prefixes and leaves their objects out",
    requires: ["listDelimiter"],
    async run(context) {
      const { storage, key } = context;
      await putAll(context, ["top", "dir/one", "dir/two", "dir/sub/three", "other/x", "zeta", "dir"]);
      const root = await storage.list({ prefix: context.prefix, delimiter: "/" });
      assertDeepEqual(root.objects.map((object) => object.key), ["dir", "top", "zeta"].map(key), "objects at the root");
      assertDeepEqual(root.prefixes, ["dir/", "other/"].map(key), "prefixes at the root");
      const inside = await storage.list({ prefix: key("dir/"), delimiter: "/" });
      assertDeepEqual(inside.objects.map((object) => object.key), ["dir/one", "dir/two"].map(key), "objects in dir/");
      assertDeepEqual(inside.prefixes, [key("dir/sub/")], "prefixes in dir/");
      const partial = await storage.list({ prefix: key("di"), delimiter: "/" });
      assertDeepEqual(partial.objects.map((object) => object.key), [key("dir")], "objects for a partial prefix");
      assertDeepEqual(partial.prefixes, [key("dir/")], "the delimiter is looked for after the prefix");
      assertEqual(inside.objects[0]?.size, 7, "rolled-up listings still carry sizes");
    },
  }),
  defineCase({
    name: "list: a delimiter other than / works",
    requires: ["listDelimiter"],
    async run(context) {
      const { storage, key } = context;
      await putAll(context, ["a|1", "a|2", "b|x|y", "c", "d-e"]);
      const page = await storage.list({ prefix: context.prefix, delimiter: "|" });
      assertDeepEqual(page.prefixes, ["a|", "b|"].map(key), "prefixes");
      assertDeepEqual(page.objects.map((object) => object.key), ["c", "d-e"].map(key), "objects");
      const dash = await storage.list({ prefix: context.prefix, delimiter: "-e" });
      assertDeepEqual(dash.prefixes, [key("d-e")], "a two-character delimiter");
    },
  }),
  defineCase({
    name: "list: t-/ sorts before t/ (with and without a delimiter)",
    requires: ["listDelimiter"],
    async run(context) {
      const { storage, key } = context;
      await putAll(context, ["t/a", "t-/b", "t0", "t", "t/a/b", "t.txt"]);
      const flat = await collectListing(storage, { prefix: context.prefix });
      assertDeepEqual(flat.entries, ["t", "t-/b", "t.txt", "t/a", "t/a/b", "t0"].map(key), "flat order");
      const rolled = await storage.list({ prefix: context.prefix, delimiter: "/" });
      assertDeepEqual(rolled.prefixes, ["t-/", "t/"].map(key), "prefix order");
      assertDeepEqual(rolled.objects.map((object) => object.key), ["t", "t.txt", "t0"].map(key), "object order");
      const single = await collectListing(storage, { prefix: context.prefix, delimiter: "/", limit: 1 });
      assertDeepEqual(single.entries, ["t", "t-/", "t.txt", "t/", "t0"].map(key), "pages of one entry, merged in order");
    },
  }),
  defineCase({
    name: "list: pages of limit 1, 2, 3 and 1000 concatenate to the full listing",
    requires: [],
    async run(context) {
      const names = ["a", "a/b", "a/c", "b", "b0", "c/d/e", "c/f", "d\u00e9", "e\u{1f600}", "e\uffff", "f", "g/h", "z"];
      await putAll(context, names);
      const full = (await context.storage.list({ prefix: context.prefix, limit: 1000 })).objects.map((object) => object.key);
      assertEqual(full.length, names.length, "the full listing has every key");
      for (const limit of [1, 2, 3, 1000]) {
        const collected = await collectListing(context.storage, { prefix: context.prefix, limit }, names.length + 2);
        assertDeepEqual(collected.objects.map((object) => object.key), full, `pages of ${limit}`);
        assertEqual(collected.pages.length, Math.ceil(names.length / limit), `number of pages of ${limit}`);
      }
    },
  }),
  defineCase({
    name: "list: pages with a delimiter concatenate to the full listing",
    requires: ["listDelimiter"],
    async run(context) {
      const names = ["a", "a/b", "a/c", "a/d/e", "b", "c/1", "c/2", "c/3", "c-", "d", "e/f", "e\u{1f600}/x", "e\ue000/y", "z"];
      await putAll(context, names);
      const options = { prefix: context.prefix, delimiter: "/" };
      const whole = await context.storage.list({ ...options, limit: 1000 });
      const full = [...whole.objects.map((object) => object.key), ...whole.prefixes].sort(compareCodePoints);
      assertDeepEqual(
        full,
        ["a", "a/", "b", "c-", "c/", "d", "e/", "e\ue000/", "e\u{1f600}/", "z"].map(context.key),
        "the full listing",
      );
      for (const limit of [1, 2, 3, 1000]) {
        const collected = await collectListing(context.storage, { ...options, limit }, full.length + 2);
        assertDeepEqual(collected.entries, full, `pages of ${limit}`);
        assertNoDuplicates(collected.entries, `pages of ${limit}`);
        assertEqual(collected.pages.length, Math.ceil(full.length / limit), `number of pages of ${limit}`);
      }
    },
  }),
  defineCase({
    name: "list: a cursor survives inserts and deletes between pages",
    requires: [],
    async run(context) {
      const { storage, key } = context;
      const initial = Array.from({ length: 20 }, (_, index) => `k${String(index).padStart(2, "0")}`);
      await putAll(context, initial);
      const deleted = new Set<string>();
      const mutations: ((returned: string[]) => Promise<void>)[] = [
        async (returned) => {
          // Delete the last key returned (the cursor's position), one behind it and two ahead.
          const last = returned[returned.length - 1]!;
          for (const name of [last, "k00", "k07", "k12"]) deleted.add(name);
          await storage.delete([key(last), key("k00"), key("k07"), key("k12")]);
          // Insert before the cursor, right after it, and ahead.
          await putAll(context, ["a-before", `${last}a`, "k055", "k99"]);
        },
        async () => {
          deleted.add("k15");
          await storage.delete(key("k15"));
          await putAll(context, ["k000", "k1", "k135"]);
        },
        async () => {
          await putAll(context, ["k00"]);
        },
      ];
      const seen: string[] = [];
      let cursor: string | undefined;
      let pageCount = 0;
      do {
        const page = await storage.list({ prefix: context.prefix, limit: 3, ...(cursor === undefined ? {} : { cursor }) });
        const names = page.objects.map((object) => object.key.slice(context.prefix.length));
        seen.push(...names);
        cursor = page.cursor;
        const mutate = mutations[pageCount++];
        if (mutate !== undefined) await mutate(names);
        if (pageCount > 40) fail("the listing did not end");
      } while (cursor !== undefined);
      assertNoDuplicates(seen, "across pages");
      for (const name of initial) {
        if (deleted.has(name)) continue;
        assertEqual(seen.filter((each) => each === name).length, 1, `${name}, which existed throughout, is listed once`);
      }
      for (let index = 1; index < seen.length; index++) {
        assertTrue(compareCodePoints(seen[index - 1]!, seen[index]!) < 0, `ascending across pages at ${seen[index]}`);
      }
      assertTrue(seen.includes("k99"), "a key inserted ahead of the cursor is listed");
      assertTrue(!seen.includes("a-before"), "a key inserted behind the cursor is not listed");
    },
  }),
  defineCase({
    name: "list: a cursor after a common prefix skips keys added under it",
    requires: ["listDelimiter"],
    async run(context) {
      const { storage, key } = context;
      await putAll(context, ["a", "d/1", "d/2", "e", "f"]);
      const first = await storage.list({ prefix: context.prefix, delimiter: "/", limit: 2 });
      assertDeepEqual([...first.objects.map((object) => object.key), ...first.prefixes], [key("a"), key("d/")], "first page");
      assertTrue(first.cursor !== undefined, "a cursor follows");
      await putAll(context, ["d/3", "d/0", "d/9/x"]);
      const rest = await collectListing(storage, { prefix: context.prefix, delimiter: "/", limit: 2 });
      assertTrue(rest.entries.includes(key("d/")), "a fresh listing still has d/");
      const second = await storage.list({ prefix: context.prefix, delimiter: "/", limit: 2, cursor: first.cursor! });
      assertDeepEqual(second.prefixes, [], "d/ is not listed again");
      assertDeepEqual(second.objects.map((object) => object.key), [key("e"), key("f")], "the page after d/");
    },
  }),
  defineCase({
    name: "list: the last page has no cursor, even when it is full",
    requires: [],
    async run(context) {
      const { storage } = context;
      const empty = await storage.list({ prefix: context.prefix });
      assertDeepEqual(empty, { objects: [], prefixes: [] }, "an empty listing");
      assertTrue(!("cursor" in empty), "no cursor key at all on an empty listing");
      await putAll(context, ["1", "2", "3", "4"]);
      const first = await storage.list({ prefix: context.prefix, limit: 2 });
      assertTrue(first.cursor !== undefined, "the first of two pages has a cursor");
      const second = await storage.list({ prefix: context.prefix, limit: 2, cursor: first.cursor! });
      assertEqual(second.objects.length, 2, "the second page is full");
      assertEqual(second.cursor, undefined, "the full last page has no cursor");
      assertEqual((await storage.list({ prefix: context.prefix, limit: 4 })).cursor, undefined, "limit equal to the count");
      assertEqual((await storage.list({ prefix: context.prefix, limit: 5 })).cursor, undefined, "limit above the count");
      assertTrue((await storage.list({ prefix: context.prefix, limit: 3 })).cursor !== undefined, "limit below the count");
    },
  }),
  defineCase({
    name: "list: a limit outside 1..1000 gives InvalidArgument",
    requires: [],
    async run(context) {
      for (const limit of [0, 1001, -1, 1.5, Number.NaN]) {
        await assertRejectsWith(context.storage.list({ prefix: context.prefix, limit }), "InvalidArgument", `limit ${limit}`);
      }
      const page = await context.storage.list({ prefix: context.prefix, limit: 1000 });
      assertDeepEqual(page.objects, [], "limit 1000 is accepted");
    },
  }),
  defineCase({
    name: "list: listAll iterates every object across pages",
    requires: [],
    async run(context) {
      const names = Array.from({ length: 11 }, (_, index) => `item-${String(index).padStart(2, "0")}`);
      await putAll(context, [...names, "other/x"]);
      const seen: string[] = [];
      for await (const info of context.storage.listAll({ prefix: context.key("item-"), limit: 2 })) {
        assertTrue(typeof info.etag === "string" && info.size > 0, "listAll yields ObjectInfo");
        seen.push(info.key);
        if (seen.length > names.length) fail("listAll yielded more objects than exist (does the cursor advance?)");
      }
      assertDeepEqual(seen, names.map(context.key), "every item, in order");
      assertEqual((await listKeys(context)).length, 12, "listAll over the whole prefix");
    },
  }),
  defineCase({
    name: "list: deleted keys disappear from listings",
    requires: [],
    async run(context) {
      const { storage, key } = context;
      await putAll(context, ["a", "b", "c"]);
      await storage.delete(key("b"));
      assertDeepEqual(await listKeys(context), [key("a"), key("c")], "b is gone");
      await storage.delete([key("a"), key("c")]);
      assertDeepEqual(await listKeys(context), [], "all gone");
    },
  }),
  defineCase({
    name: "list: an already aborted signal gives Aborted",
    requires: [],
    async run(context) {
      const { storage, key, prefix } = context;
      await storage.put(key("a"), "a");
      const controller = new AbortController();
      controller.abort(new Error("conformance: cancelled before the list"));
      const signal = controller.signal;
      await assertRejectsWith(storage.list({ prefix, signal }), "Aborted", "list with an aborted signal");
      await assertRejectsWith(storage.list({ prefix, limit: 1, signal }), "Aborted", "list with a limit and an aborted signal");
      let listed = 0;
      const iterate = async () => {
        for await (const _ of storage.listAll({ prefix, signal })) listed++;
      };
      await assertRejectsWith(iterate(), "Aborted", "listAll with an aborted signal");
      assertEqual(listed, 0, "listAll yielded nothing");
      const page = await storage.list({ prefix, signal: new AbortController().signal });
      assertDeepEqual(page.objects.map((object) => object.key), [key("a")], "a live signal does not get in the way");
    },
  }),
];
