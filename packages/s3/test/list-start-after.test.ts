// list({ startAfter }) on the real server: ListObjectsV2 StartAfter, with
// Swift's enclosing common prefix dropped by the driver
// (profile.startAfterListsEnclosingPrefix).
import { createStorage } from "@stowage/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Environment } from "./s3-test-environment.ts";
import { runPrefix, testDriver } from "./s3-test-driver.ts";

const environment = s3Environment();

describe.skipIf(environment === null)(`list startAfter on ${environment?.label ?? "an S3 server"}`, () => {
  const driver = testDriver(environment!);
  const storage = createStorage(driver);
  const prefix = runPrefix("list-start-after");
  const keys = ["a/1", "a/2", "b", "c/x", "c/y", "d"].map((name) => `${prefix}${name}`);
  beforeAll(async () => {
    for (const key of keys) await storage.put(key, "x");
  });
  afterAll(async () => {
    await storage.delete(keys);
    driver.raw.destroy();
  });

  it("claims listStartAfter", () => {
    expect(driver.capabilities.listStartAfter).toBe(true);
  });

  it("without a delimiter lists only keys strictly after startAfter", async () => {
    const page = await storage.list({ prefix, startAfter: `${prefix}a/1` });
    expect(page.objects.map((object) => object.key)).toEqual(keys.slice(1));
    expect(page.prefixes).toEqual([]);
  });

  it('with a delimiter, startAfter "a/1" lists neither "a/" nor a/2 (both sort before or inside it)', async () => {
    const page = await storage.list({ prefix, delimiter: "/", startAfter: `${prefix}a/1` });
    expect(page.objects.map((object) => object.key)).toEqual([`${prefix}b`, `${prefix}d`]);
    expect(page.prefixes).toEqual([`${prefix}c/`]);
  });

  it('startAfter "a/" does not list "a/"; startAfter "a" does', async () => {
    const after = await storage.list({ prefix, delimiter: "/", startAfter: `${prefix}a/` });
    expect(after.prefixes).toEqual([`${prefix}c/`]);
    const before = await storage.list({ prefix, delimiter: "/", startAfter: `${prefix}a` });
    expect(before.prefixes).toEqual([`${prefix}a/`, `${prefix}c/`]);
    expect(before.objects.map((object) => object.key)).toEqual([`${prefix}b`, `${prefix}d`]);
  });

  it("pages from startAfter resume with the cursor and reach every later entry once", async () => {
    const seen: string[] = [];
    let page = await storage.list({ prefix, delimiter: "/", startAfter: `${prefix}a/2`, limit: 1 });
    for (;;) {
      seen.push(...page.objects.map((object) => object.key), ...page.prefixes);
      if (page.cursor === undefined) break;
      page = await storage.list({ prefix, delimiter: "/", cursor: page.cursor, limit: 1 });
    }
    expect(seen).toEqual([`${prefix}b`, `${prefix}c/`, `${prefix}d`]);
  });
});
