import { compareUtf8, createStorage, type Storage } from "@stowage/core";
import { fsDriver, type FsDriver } from "@stowage/fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeRoot, tempRoot } from "./temp-root.js";

/** Keys spread over nested directories, with names that sort around "/" ("-" < "/" < "0"), and a long (hashed) segment. */
const long = "L".repeat(230);
const keys = ["a", "a-b", "a/1", "a/2/x", "a/2/y", "a/3", "a0", "b/c/d/e", "b/c/f", `c/${long}/k`, `c/${long}z`, "d"];

/** What a listing must return: every entry (key or common prefix) after `startAfter`, from a model. */
function expected(prefix: string, startAfter: string, delimiter?: string): string[] {
  const entries = new Set<string>();
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const at = delimiter === undefined ? -1 : key.indexOf(delimiter, prefix.length);
    entries.add(at >= 0 ? key.slice(0, at + delimiter!.length) : key);
  }
  return [...entries].filter((entry) => compareUtf8(entry, startAfter) > 0).sort(compareUtf8);
}

async function listAll(storage: Storage, prefix: string, startAfter: string, delimiter: string | undefined, limit: number): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await storage.list({ prefix, delimiter, limit, ...(cursor === undefined ? { startAfter } : { cursor }) });
    const entries = [...page.objects.map((object) => object.key), ...page.prefixes].sort(compareUtf8);
    out.push(...entries);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

describe.each(["bytes", "portable"] as const)("list startAfter over nested directories (%s encoding)", (encoding) => {
  let root: string;
  let driver: FsDriver;
  let storage: Storage;
  beforeAll(async () => {
    root = await tempRoot("start-after");
    driver = fsDriver({ root, encoding });
    storage = createStorage(driver);
    for (const key of keys) await storage.put(key, key);
  });
  afterAll(async () => {
    await driver.close();
    await removeRoot(root);
  });

  it("claims listStartAfter", () => {
    expect(driver.capabilities.listStartAfter).toBe(true);
  });

  // Every key, every common prefix, and points between them.
  const points = ["-", "a", "a-", "a/", "a/1", "a/2", "a/2/", "a/2/x", "a/20", "a/3", "a0", "b", "b/c/", "b/c/d", "b/c/f", "c/", `c/${long}`, `c/${long}/`, `c/${long}z`, "cz", "d", "e"];
  const shapes: Array<[string, string | undefined]> = [
    ["", undefined],
    ["", "/"],
    ["a", "/"],
    ["a/", "/"],
    ["a/", undefined],
    ["b/c/", "/"],
    ["c/", "/"],
    ["", "-"],
  ];

  it.each(shapes)("prefix %j, delimiter %j: one page and pages of 1 and 2 list exactly the entries after each point", async (prefix, delimiter) => {
    for (const startAfter of points) {
      const want = expected(prefix, startAfter, delimiter);
      for (const limit of [1000, 1, 2]) {
        expect(await listAll(storage, prefix, startAfter, delimiter, limit), `startAfter ${JSON.stringify(startAfter)} limit ${limit}`).toEqual(want);
      }
    }
  });

  it("a common prefix is not listed after a key inside it, nor after itself, but is after a key before it", async () => {
    const page = (startAfter: string) => storage.list({ delimiter: "/", startAfter });
    expect((await page("a/1")).prefixes).toEqual(["b/", "c/"]);
    expect((await page("a/")).prefixes).toEqual(["b/", "c/"]);
    expect((await page("a")).prefixes).toEqual(["a/", "b/", "c/"]);
    expect((await page("a")).objects.map((object) => object.key)).toEqual(["a-b", "a0", "d"]);
  });
});
