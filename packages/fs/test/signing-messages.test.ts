import { createStorage, isStorageError, type Storage } from "@stowage/core";
import { fsDriver, type FsDriver, type FsStore } from "@stowage/fs";
import { afterAll, describe, expect, expectTypeOf, it } from "vitest";
import { removeRoot, tempRoot } from "./temp-root.js";

const roots: string[] = [];
afterAll(async () => {
  for (const root of roots) await removeRoot(root);
});

async function driverAt(name: string, signing?: Parameters<typeof fsDriver>[0]["signing"]): Promise<FsDriver> {
  const root = await tempRoot(name);
  roots.push(root);
  const driver = fsDriver(signing === undefined ? { root } : { root, signing });
  await driver.ready;
  return driver;
}

describe("fs: messages name the fix", () => {
  it("signPut and signGet without signing say to pass signing: { secrets, baseUrl } to fsDriver() and serve with createSignedUrlHandler", async () => {
    const storage = createStorage(await driverAt("messages"));
    for (const attempt of [storage.signPut("a"), storage.signGet("a")]) {
      const error = await attempt.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(isStorageError(error, "Unsupported")).toBe(true);
      expect((error as Error).message).toContain("pass `signing: { secrets, baseUrl }` to fsDriver()");
      expect((error as Error).message).toContain("@stowage/http's createSignedUrlHandler");
    }
    const check = storage.checkSignPut({ ifNotExists: true });
    expect(check.ok).toBe(false);
    expect(check.ok || check.reason).toContain("pass `signing: { secrets, baseUrl }` to fsDriver()");
  });

  it("with { secrets, baseUrl } nothing is refused: no conflicts, every combination checks ok", async () => {
    const driver = await driverAt("signed", { secrets: [{ id: "k", secret: "an fs test secret of thirty-two bytes" }], baseUrl: "http://localhost/s" });
    expect(driver.signPutConflicts).toEqual([]);
    expect(createStorage(driver).checkSignPut({ contentType: "text/plain", size: 1, maxSize: 2, oneTime: true, ifNotExists: true })).toEqual({ ok: true });
  });
});

describe("fs: typed escape hatch", () => {
  it("createStorage(fsDriver(…)).driver.raw is the FsStore", async () => {
    const storage = createStorage(await driverAt("raw"));
    expectTypeOf(storage).toEqualTypeOf<Storage<FsDriver>>();
    expectTypeOf(storage.driver.raw).toEqualTypeOf<FsStore>();
    // @ts-expect-error: raw is an FsStore, not any
    void storage.driver.raw.rooot;
    expect(typeof storage.driver.raw.root).toBe("string");
  });
});
