import type { ListPage } from "@stowage/core";
import type { CaseContext } from "../conformance-case.js";
import { defineCase } from "../conformance-case.js";
import { assertDeepEqual, assertTrue } from "../assert.js";
import { collectListing, compareCodePoints, inBatches } from "../case-tools.js";

// Ten keys with nested common prefixes, and U+00E9 (which sorts after "d"
// in UTF-8 order).
const names = ["a", "a/1", "a/2", "a/b/1", "b", "b/1", "c", "c/x/y", "d", "\u00e9"];

/**
 * Where startAfter is tried, as names under the case's prefix: every key,
 * every common prefix, strings between keys, and strings before and after
 * every key. (Positions outside the case's prefix are added in `positions`.)
 */
const positionNames = [
  ...names,
  "a/", "a/b/", "b/", "c/", "c/x/",
  "a/0", "a/1x", "a/b", "a/c", "a0", "b/0", "b/2", "b0", "c/x", "c/x/z", "c/y", "cz", "d0", "e",
  "\u00e9\u00e9", "\u{1f600}",
];

function positions(context: CaseContext): string[] {
  const casePrefix = context.prefix;
  const outside = [
    // Before every key of the case (the prefix without its slash, and the prefix itself).
    casePrefix.slice(0, -1),
    casePrefix,
    // After every key of the case: "0" sorts after "/".
    `${casePrefix.slice(0, -1)}0`,
  ];
  return [...outside, ...positionNames.map(context.key)];
}

interface Expected {
  objects: string[];
  prefixes: string[];
  entries: string[];
}

/**
 * The contract, computed from the keys: the rolled-up listing of `prefix`
 * (with `delimiter`), keeping keys `k > startAfter` and common prefixes
 * `p > startAfter`, in UTF-8 order.
 */
function reference(keys: readonly string[], prefix: string, startAfter: string, delimiter?: string): Expected {
  const objects = new Set<string>();
  const prefixes = new Set<string>();
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const cut = delimiter === undefined ? -1 : key.indexOf(delimiter, prefix.length);
    if (cut >= 0) prefixes.add(key.slice(0, cut + delimiter!.length));
    else objects.add(key);
  }
  const after = (entry: string) => compareCodePoints(entry, startAfter) > 0;
  const sorted = (set: Set<string>) => [...set].filter(after).sort(compareCodePoints);
  const result = { objects: sorted(objects), prefixes: sorted(prefixes) };
  return { ...result, entries: [...result.objects, ...result.prefixes].sort(compareCodePoints) };
}

async function putNames(context: CaseContext): Promise<string[]> {
  await inBatches(names, 8, async (name) => {
    await context.storage.put(context.key(name), name);
  });
  return names.map(context.key);
}

function shape(page: ListPage | { objects: { key: string }[]; prefixes: string[]; entries: string[] }): Expected {
  const objects = page.objects.map((object) => object.key);
  return { objects, prefixes: page.prefixes, entries: "entries" in page ? page.entries : [...objects, ...page.prefixes].sort(compareCodePoints) };
}

/** Checks one page (default limit) and pages of 2 followed by cursor, for every startAfter position under each listing prefix. */
async function checkEveryPosition(context: CaseContext, delimiter: string | undefined): Promise<void> {
  const keys = await putNames(context);
  const { storage } = context;
  const listingPrefixes = [context.prefix, context.key("a/"), context.key("c")];
  let checked = 0;
  for (const prefix of listingPrefixes) {
    for (const startAfter of positions(context)) {
      const expected = reference(keys, prefix, startAfter, delimiter);
      const options = { prefix, startAfter, ...(delimiter === undefined ? {} : { delimiter }) };
      const label = `prefix ${JSON.stringify(prefix.slice(context.prefix.length))}, startAfter ${JSON.stringify(startAfter)}${delimiter === undefined ? "" : `, delimiter ${JSON.stringify(delimiter)}`}`;
      const page = await storage.list(options);
      assertDeepEqual(shape(page), expected, `${label}: one page`);
      assertTrue(page.cursor === undefined, `${label}: one page has no cursor`);
      const paged = await collectListing(storage, { ...options, limit: 2 }, 20);
      assertDeepEqual(shape(paged), expected, `${label}: pages of 2 followed by cursor`);
      checked++;
    }
  }
  assertTrue(checked === listingPrefixes.length * positions(context).length, "every position was checked");
}

export const startAfterCases = [
  defineCase({
    name: "list startAfter: at every position of a 10-key listing, only keys after it are listed (one page and pages of 2)",
    requires: ["listStartAfter"],
    timeout: 600_000,
    async run(context) {
      await checkEveryPosition(context, undefined);
    },
  }),
  defineCase({
    name: "list startAfter: with a delimiter, only entries after it are listed, so a/ is not listed after a/1 (one page and pages of 2)",
    requires: ["listStartAfter", "listDelimiter"],
    timeout: 600_000,
    async run(context) {
      const { storage, key } = context;
      await checkEveryPosition(context, "/");
      // The position the contract singles out, spelled out.
      const page = await storage.list({ prefix: context.prefix, delimiter: "/", startAfter: key("a/1") });
      assertDeepEqual(page.prefixes, ["b/", "c/"].map(key), "after a/1: the common prefix a/ (which sorts before a/1) is not listed");
      assertDeepEqual(
        page.objects.map((object) => object.key),
        ["b", "c", "d", "\u00e9"].map(key),
        "after a/1: the objects",
      );
      const atPrefix = await storage.list({ prefix: context.prefix, delimiter: "/", startAfter: key("a/") });
      assertDeepEqual(atPrefix.prefixes, ["b/", "c/"].map(key), "after a/: a/ itself is not listed");
      const beforePrefix = await storage.list({ prefix: context.prefix, delimiter: "/", startAfter: key("a") });
      assertDeepEqual(beforePrefix.prefixes, ["a/", "b/", "c/"].map(key), "after a: a/ is listed");
    },
  }),
];
