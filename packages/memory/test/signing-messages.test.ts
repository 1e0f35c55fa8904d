import { createStorage, isStorageError, type DriverSignPutOptions, type SignedRequest, type Storage, type UrlSigner } from "@stowage/core";
import { memoryDriver, type MemoryDriver, type MemoryStore } from "@stowage/memory";
import { describe, expect, expectTypeOf, it } from "vitest";

async function rejection(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isStorageError(error)) throw new Error(`expected a StorageError, got ${String(error)}`);
  return error;
}

describe("memory: messages name the fix", () => {
  it("signPut and signGet without signing say to pass signing: { secrets, baseUrl } and serve with createSignedUrlHandler", async () => {
    const storage = createStorage(memoryDriver());
    for (const error of [await rejection(storage.signPut("a")), await rejection(storage.signGet("a"))]) {
      expect(error.code).toBe("Unsupported");
      expect(error.message).toContain("pass `signing: { secrets, baseUrl }` to memoryDriver()");
      expect(error.message).toContain("@stowage/http's createSignedUrlHandler");
    }
    const check = storage.checkSignPut({ maxSize: 10 });
    expect(check).toEqual({ ok: false, code: "Unsupported", reason: (await rejection(storage.signPut("a", { maxSize: 10 }))).message });
    expect(check.ok || check.reason).toContain("capability signPut is off");
  });

  it("a constraint the UrlSigner lacks names its capability and the HMAC signer", async () => {
    const signed: SignedRequest = { url: "https://example.invalid/a", method: "PUT", headers: {}, expiresAt: new Date() };
    const signer: UrlSigner = {
      capabilities: { signPut: true, signGet: true, signPutContentType: true },
      signPut: async (_key: string, _options: DriverSignPutOptions) => signed,
      signGet: async () => signed,
    };
    const storage = createStorage(memoryDriver({ signing: signer }));
    const error = await rejection(storage.signPut("a", { maxSize: 10 }));
    expect(error.message).toContain("capability signPutMaxSize is off");
    expect(error.message).toContain("`signing: { secrets, baseUrl }` (the HMAC signer");
    expect(await storage.signPut("a", { contentType: "text/plain" })).toBe(signed);
  });

  it("a signer's conflicts become the driver's, and are refused before the signer runs", async () => {
    let calls = 0;
    const signer: UrlSigner = {
      capabilities: { signPut: true, signGet: true, signPutSize: true, signPutOneTime: true },
      signPutConflicts: [{ constraints: ["size", "oneTime"], reason: "this signer cannot" }],
      signPut: async () => {
        calls++;
        return { url: "https://example.invalid/a", method: "PUT", headers: {}, expiresAt: new Date() };
      },
      signGet: async () => ({ url: "https://example.invalid/a", method: "GET", headers: {}, expiresAt: new Date() }),
    };
    const driver = memoryDriver({ signing: signer });
    expect(driver.signPutConflicts).toEqual(signer.signPutConflicts);
    const storage = createStorage(driver);
    expect(storage.checkSignPut({ size: 1, oneTime: true })).toEqual({
      ok: false,
      code: "Unsupported",
      reason: "The memory driver cannot combine size with oneTime in one signed upload: this signer cannot",
    });
    expect((await rejection(storage.signPut("a", { size: 1, oneTime: true }))).message).toContain("this signer cannot");
    expect(calls).toBe(0);
    await storage.signPut("a", { size: 1 });
    expect(calls).toBe(1);
  });

  it("with { secrets, baseUrl } nothing is refused: no conflicts, every combination checks ok", () => {
    const driver = memoryDriver({ signing: { secrets: [{ id: "k", secret: "a memory test secret of 32 bytes!!" }], baseUrl: "http://localhost/s" } });
    expect(driver.signPutConflicts).toEqual([]);
    expect(createStorage(driver).checkSignPut({ contentType: "text/plain", size: 1, maxSize: 2, oneTime: true, ifNotExists: true })).toEqual({ ok: true });
  });
});

describe("memory: typed escape hatch", () => {
  it("createStorage(memoryDriver()).driver.raw is the MemoryStore", () => {
    const storage = createStorage(memoryDriver());
    expectTypeOf(storage).toEqualTypeOf<Storage<MemoryDriver>>();
    expectTypeOf(storage.driver.raw).toEqualTypeOf<MemoryStore>();
    expectTypeOf(storage.driver.raw).not.toBeUnknown();
    // @ts-expect-error: the store is a MemoryStore, not any: a misspelt member does not compile
    void storage.driver.raw.entriess;
    const plain: Storage = storage;
    expectTypeOf(plain.driver.raw).toBeUnknown();
    expect(storage.driver.raw.entries).toBeInstanceOf(Map);
  });
});
