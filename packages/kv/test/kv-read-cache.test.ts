import { describe, expect, it } from "vitest";
import { KvReadCache, type KvBackendRecord } from "@stowage/kv";

const record = (size: number, expiresAt?: Date): KvBackendRecord => ({
  value: new Uint8Array(size),
  contentType: "application/octet-stream",
  metadata: null,
  ...(expiresAt === undefined ? {} : { expiresAt }),
});

function cache(options: Partial<{ ttlSeconds: number; maxEntries: number; maxBytes: number }> = {}) {
  let now = 1_000_000;
  const instance = new KvReadCache({ ttlSeconds: 10, maxEntries: 100, maxBytes: 1 << 20, clock: () => now, ...options });
  const store = (key: string, value: KvBackendRecord | null) => instance.finish(instance.begin(key), value);
  return { instance, store, advance: (ms: number) => void (now += ms), now: () => now };
}

describe("KvReadCache", () => {
  it("serves a stored value and a stored miss until ttlSeconds pass on the clock", () => {
    const { instance, store, advance } = cache();
    const value = record(3);
    store("a", value);
    store("missing", null);
    expect(instance.lookup("a")).toBe(value);
    expect(instance.lookup("missing")).toBeNull();
    expect(instance.lookup("never")).toBeUndefined();
    advance(9_999);
    expect(instance.lookup("a")).toBe(value);
    advance(1);
    expect(instance.lookup("a")).toBeUndefined();
    expect(instance.lookup("missing")).toBeUndefined();
    expect(instance.size).toBe(0);
    expect(instance.bytes).toBe(0);
  });

  it("never serves a value past its own expiresAt", () => {
    const { instance, store, advance, now } = cache({ ttlSeconds: 60 });
    store("a", record(1, new Date(now() + 2_000)));
    advance(1_999);
    expect(instance.lookup("a")).not.toBeUndefined();
    advance(1);
    expect(instance.lookup("a")).toBeUndefined();
    store("expired", record(1, new Date(now())));
    expect(instance.size).toBe(0);
  });

  it("evicts the least recently used entry beyond maxEntries", () => {
    const { instance, store } = cache({ maxEntries: 2 });
    store("a", record(1));
    store("b", record(1));
    expect(instance.lookup("a")).toBeDefined(); // a is now the most recent
    store("c", record(1));
    expect(instance.lookup("b")).toBeUndefined();
    expect(instance.lookup("a")).toBeDefined();
    expect(instance.lookup("c")).toBeDefined();
    expect(instance.size).toBe(2);
  });

  it("evicts by bytes, and never holds an entry larger than maxBytes", () => {
    const { instance, store } = cache({ maxBytes: 1_000 });
    store("a", record(400));
    store("b", record(400));
    expect(instance.size).toBe(1);
    expect(instance.lookup("a")).toBeUndefined();
    expect(instance.bytes).toBeLessThanOrEqual(1_000);
    store("huge", record(2_000));
    expect(instance.lookup("huge")).toBeUndefined();
    expect(instance.lookup("b")).toBeDefined();
  });

  it("replacing a key keeps the byte count exact", () => {
    const { instance, store } = cache();
    store("a", record(100));
    const one = instance.bytes;
    store("a", record(100));
    expect(instance.bytes).toBe(one);
    instance.invalidate("a");
    expect(instance.bytes).toBe(0);
  });

  it("invalidate drops the key and spoils reads in flight, so a racing read cannot put the old value back", () => {
    const { instance } = cache();
    const early = instance.begin("a");
    const other = instance.begin("b");
    instance.invalidate("a");
    instance.finish(early, record(1));
    instance.finish(other, record(1));
    expect(instance.lookup("a")).toBeUndefined();
    expect(instance.lookup("b")).toBeDefined();
    const later = instance.begin("a");
    instance.finish(later, record(1));
    expect(instance.lookup("a")).toBeDefined();
  });

  it("holds nothing when ttlSeconds is 0, and a failed read (undefined) stores nothing", () => {
    const off = cache({ ttlSeconds: 0 });
    expect(off.instance.enabled).toBe(false);
    off.store("a", record(1));
    expect(off.instance.lookup("a")).toBeUndefined();
    const on = cache();
    on.instance.finish(on.instance.begin("a"), undefined);
    expect(on.instance.lookup("a")).toBeUndefined();
  });
});
