import { env } from "cloudflare:workers";
import { compareUtf8, createStorage } from "@stowage/core";
import { r2Driver } from "@stowage/r2";
import { describe, expect, it } from "vitest";

// list({ startAfter }) against a reference computed from the contract: a key
// k is listed when k > startAfter, a common prefix p when p > startAfter.
const bucket = (env as unknown as { BUCKET: R2Bucket }).BUCKET;
const storage = createStorage(r2Driver({ bucket }));

const root = "start-after/";
const names = ["a", "a/1", "a/2", "a/3/x", "a0", "b", "b/x/y", "b/z", "c", "\u00e9/1", "\uFFFD", "\u{1F600}"];
const keys = names.map((name) => root + name);

/** Every entry of a listing as the contract defines it, for a delimiter or none. */
function expected(startAfter: string, delimiter: string | undefined): { objects: string[]; prefixes: string[] } {
  const objects: string[] = [];
  const prefixes = new Set<string>();
  for (const key of [...keys].sort(compareUtf8)) {
    const rest = key.slice(root.length);
    const at = delimiter === undefined ? -1 : rest.indexOf(delimiter);
    if (at === -1) {
      if (compareUtf8(key, startAfter) > 0) objects.push(key);
    } else {
      const prefix = root + rest.slice(0, at + delimiter!.length);
      if (compareUtf8(prefix, startAfter) > 0) prefixes.add(prefix);
    }
  }
  return { objects, prefixes: [...prefixes] };
}

/** Every position: each key and common prefix, just before and after each, and outside the range. */
function positions(): string[] {
  const entries = new Set<string>([root, "start-after", "start-after0", "a", "z", ...keys]);
  for (const key of keys) {
    const points = Array.from(key);
    for (let index = root.length + 1; index <= points.length; index++) entries.add(points.slice(0, index).join(""));
    entries.add(key + " ");
  }
  return [...entries].sort(compareUtf8);
}

async function listAll(startAfter: string, delimiter: string | undefined, limit: number) {
  const objects: string[] = [];
  const prefixes: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await storage.list({
      prefix: root,
      limit,
      ...(delimiter === undefined ? {} : { delimiter }),
      ...(cursor === undefined ? { startAfter } : { cursor }),
    });
    objects.push(...page.objects.map((object) => object.key));
    prefixes.push(...page.prefixes);
    cursor = page.cursor;
    if (++pages > 50) throw new Error("the listing does not end");
  } while (cursor !== undefined);
  return { objects, prefixes };
}

describe("list with startAfter on the R2 binding", () => {
  it("the capability is claimed", () => {
    expect(storage.capabilities.listStartAfter).toBe(true);
  });

  it("every position, with and without a delimiter, in one page and in pages of 1 and 2", async () => {
    for (const key of keys) await bucket.put(key, "x");
    for (const startAfter of positions()) {
      for (const delimiter of [undefined, "/"]) {
        const want = expected(startAfter, delimiter);
        for (const limit of [1000, 1, 2]) {
          const got = await listAll(startAfter, delimiter, limit);
          expect(got, `startAfter ${JSON.stringify(startAfter)}, delimiter ${String(delimiter)}, limit ${limit}`).toEqual(want);
        }
      }
    }
  });

  it("the binding itself lists a common prefix that contains startAfter (what the driver corrects)", async () => {
    const base = "start-after-raw/";
    for (const name of ["a/1", "a/2"]) await bucket.put(base + name, "x");
    const raw = await bucket.list({ prefix: base, delimiter: "/", startAfter: base + "a/1" });
    // If this fails, the binding follows the contract itself and the correction is merely redundant.
    expect(raw.delimitedPrefixes).toEqual([base + "a/"]);
    const page = await storage.list({ prefix: base, delimiter: "/", startAfter: base + "a/1" });
    expect(page.prefixes).toEqual([]);
    expect(page.cursor).toBeUndefined();
  });
});
