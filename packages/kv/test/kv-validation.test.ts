import { describe, expect, it } from "vitest";
import { isStorageError } from "@stowage/core";
import { createStorage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { createKv, type KvBackend } from "@stowage/kv";

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("createKv options", () => {
  it("refuses unknown options, bad TTLs and bad cache bounds, naming the fix", () => {
    const storage = createStorage(memoryDriver());
    const unknown = caught(() => createKv(storage, { ttl: 5 } as never));
    expect(isStorageError(unknown, "InvalidArgument")).toBe(true);
    expect((unknown as Error).message).toMatch(/ttlSeconds/);
    for (const ttlSeconds of [0, 1.5, -3]) expect(isStorageError(caught(() => createKv(storage, { ttlSeconds })), "InvalidArgument")).toBe(true);
    for (const cacheTtlSeconds of [-1, 0.5]) expect(isStorageError(caught(() => createKv(storage, { cacheTtlSeconds })), "InvalidArgument")).toBe(true);
    expect(isStorageError(caught(() => createKv(storage, { prefix: "/bad//" })), "InvalidArgument")).toBe(true);
  });

  it("over a Storage: key budget is 1024 bytes minus the prefix, 25 MiB values, 1024-byte metadata, 1 s minimum TTL", () => {
    const kv = createKv(createStorage(memoryDriver()), { prefix: "kv/settings/" });
    expect(kv.limits).toEqual({ maxKeyBytes: 1024 - 12, maxValueBytes: 25 * 1024 * 1024, maxMetadataBytes: 1024, minTtlSeconds: 1 });
    expect(kv.sweepSupported).toBe(true);
  });

  it("a key that is not a legal Storage key is InvalidArgument before the Storage sees it", async () => {
    const kv = createKv(createStorage(memoryDriver()), { prefix: "kv/" });
    for (const key of ["a//b", "a/", "./x", "a/../b", "ctl\u0001"]) {
      await expect(kv.put(key, "v")).rejects.toMatchObject({ code: "InvalidArgument" });
    }
  });

  it("a TTL over a Storage without expiry is Unsupported with a hint; without a TTL the put works", async () => {
    const driver = memoryDriver();
    const noExpiry = Object.create(driver, { capabilities: { value: { ...driver.capabilities, expiry: false } } });
    const kv = createKv(createStorage(noExpiry), { prefix: "kv/" });
    const error = await kv.put("k", "v", { ttlSeconds: 60 }).catch((caughtError: unknown) => caughtError);
    expect(isStorageError(error, "Unsupported")).toBe(true);
    expect((error as Error).message).toMatch(/expiry: true/);
    expect(kv.sweepSupported).toBe(false);
    await kv.put("k", "v");
    expect((await kv.get("k"))?.text()).toBe("v");
  });

  it("a KvBackend with a prefix keeps keys under it and shortens the key budget", async () => {
    const calls: string[] = [];
    const backend: KvBackend = {
      name: "fake",
      limits: { maxKeyBytes: 100, maxValueBytes: 1000, maxMetadataBytes: 100, minTtlSeconds: 60 },
      sweepSupported: false,
      get: async (key) => (calls.push(`get ${key}`), null),
      put: async (key) => void calls.push(`put ${key}`),
      delete: async (key) => void calls.push(`delete ${key}`),
      list: async (options) => (calls.push(`list ${options.prefix}`), { entries: [{ key: "p/x", metadata: null }] }),
      sweepExpired: async () => ({ scanned: 0, deleted: 0 }),
    };
    const kv = createKv(backend, { prefix: "p/" });
    expect(kv.limits.maxKeyBytes).toBe(98);
    await kv.put("x", 1);
    await kv.get("x");
    await kv.delete("x");
    expect((await kv.list({ prefix: "x" })).keys.map((key) => key.name)).toEqual(["x"]);
    expect(calls).toEqual(["put p/x", "get p/x", "delete p/x", "list p/x"]);
    await expect(kv.put("k", 1, { ttlSeconds: 59 })).rejects.toMatchObject({ code: "InvalidArgument" });
    await expect(kv.sweepExpired()).rejects.toMatchObject({ code: "Unsupported" });
  });
});
