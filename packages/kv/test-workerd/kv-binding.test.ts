import { env } from "cloudflare:workers";
import { isStorageError, type StorageErrorCode } from "@stowage/core";
import { createKv } from "@stowage/kv";
import { kvBinding, kvBindingLimits, type KvNamespaceLike } from "../src/kv-binding.js";
import { maxCallerMetadataBytes, maxExpirationSeconds, wrapperOverheadBytes } from "../src/kv-binding-wrapper.js";
import { describe, expect, it } from "vitest";

// The Workers KV binding behind createKv, inside workerd. What every backend
// shares is in the KV conformance suite (kv-binding-conformance.test.ts); these
// are the binding's own promises: native expiration, the packed metadata, the
// limits, and errors mapped to StorageError codes.
const namespace = env.KV as unknown as KvNamespaceLike;
const backend = kvBinding({ namespace });
let counter = 0;
const unique = (name: string) => `binding/${(counter++).toString(36)}-${name}`;

/** A Kv whose clock the test sets; starts at the real now (the binding refuses expirations in its past). */
function clockedKv(startMs = Date.now()) {
  const clock = { now: startMs };
  const kv = createKv(backend, { clock: () => clock.now });
  return { kv, clock };
}

async function codeOf(promise: Promise<unknown>): Promise<StorageErrorCode | string> {
  try {
    await promise;
  } catch (error) {
    return isStorageError(error) ? error.code : `not a StorageError: ${String(error)}`;
  }
  return "resolved";
}

/** The raw entry as the binding stores it. */
async function raw(key: string) {
  const got = await namespace.getWithMetadata(key, "arrayBuffer");
  const listed = (await namespace.list({ prefix: key })).keys.find((entry: { name: string }) => entry.name === key);
  return { value: got.value, metadata: got.metadata, expiration: listed?.expiration };
}

describe("kvBinding: the namespace", () => {
  it("refuses a missing or wrong namespace at construction, naming what is missing", () => {
    expect(() => kvBinding(undefined as never)).toThrow(/kvBinding needs \{ namespace \}/);
    expect(() => kvBinding({} as never)).toThrow(/kvBinding needs \{ namespace \}/);
    const bucketLike = { get: () => null, put: () => null, delete: () => null, list: () => null };
    try {
      kvBinding({ namespace: bucketLike as never });
      expect.unreachable();
    } catch (error) {
      expect(isStorageError(error, "InvalidArgument")).toBe(true);
      expect((error as Error).message).toContain("no getWithMetadata method");
    }
    expect(() => kvBinding({ namespace, bucket: 1 } as never)).toThrow(/bucket/);
  });

  it("declares the Workers KV limits, with the wrapper's worst case taken off the metadata budget", () => {
    expect(kvBindingLimits).toEqual({ maxKeyBytes: 512, maxValueBytes: 25 * 1024 * 1024, maxMetadataBytes: 867, minTtlSeconds: 60 });
    expect(maxCallerMetadataBytes + wrapperOverheadBytes).toBe(1024);
    expect(backend.sweepSupported).toBe(true);
    expect(backend.name).toBe("workers-kv");
  });
});

describe("kvBinding: native expiration", () => {
  it("sets the entry's expiration to the instant rounded up to a second, and keeps the exact instant", async () => {
    const { kv, clock } = clockedKv(Math.floor(Date.now() / 1000) * 1000 + 250);
    const key = unique("ttl");
    await kv.put(key, "hello", { ttlSeconds: 120, metadata: { owner: "a" } });
    const exact = clock.now + 120_000;
    const stored = await raw(key);
    expect(stored.expiration).toBe(Math.ceil(exact / 1000));
    expect(stored.expiration! * 1000).toBeGreaterThan(exact);
    expect(stored.metadata).toEqual({ t: "text/plain;charset=utf-8", e: exact, m: { owner: "a" } });
    const read = await kv.getWithMetadata(key);
    expect(read.expiresAt?.getTime()).toBe(exact);
    expect(read.value?.text()).toBe("hello");
    expect(read.metadata).toEqual({ owner: "a" });
    const listed = await kv.list({ prefix: key });
    expect(listed.keys).toEqual([{ name: key, expiresAt: new Date(exact), metadata: { owner: "a" } }]);
  });

  it("does not add a second to an instant already on a whole second", async () => {
    const { kv, clock } = clockedKv(Math.ceil(Date.now() / 1000) * 1000);
    const key = unique("whole");
    const expiresAt = new Date(clock.now + 90_000);
    await kv.put(key, new Uint8Array([1, 2, 3]), { expiresAt });
    expect((await raw(key)).expiration).toBe(expiresAt.getTime() / 1000);
  });

  it("filters by the exact instant: hidden at expiresAt by the Kv's clock, before the native second passes", async () => {
    const { kv, clock } = clockedKv(Math.floor(Date.now() / 1000) * 1000 + 400);
    const key = unique("exact");
    await kv.put(key, "v", { ttlSeconds: 60 });
    clock.now += 60_000 - 1;
    expect((await kv.get(key))?.text()).toBe("v");
    clock.now += 1;
    expect(await kv.get(key)).toBeNull();
    expect((await kv.list({ prefix: key })).keys).toEqual([]);
    // Still stored: Workers KV deletes it itself at the native expiration.
    expect((await raw(key)).value).not.toBeNull();
  });

  it("refuses a TTL of 59 before any write, and takes 60", async () => {
    const { kv, clock } = clockedKv();
    const key = unique("min-ttl");
    expect(await codeOf(kv.put(key, "v", { ttlSeconds: 59 }))).toBe("InvalidArgument");
    expect(await codeOf(kv.put(key, "v", { expiresAt: new Date(clock.now + 59_999) }))).toBe("InvalidArgument");
    expect((await raw(key)).value).toBeNull();
    await kv.put(key, "v", { ttlSeconds: 60 });
    expect((await raw(key)).expiration).toBe(Math.ceil((clock.now + 60_000) / 1000));
  });

  it("maps the binding's refusal of a too-near expiration (a caller bypassing createKv) to InvalidArgument", async () => {
    const key = unique("near");
    const put = backend.put(key, new Uint8Array([1]), { contentType: "x/y", expiresAt: new Date(Date.now() + 30_000) });
    expect(await codeOf(put)).toBe("InvalidArgument");
    expect((await raw(key)).value).toBeNull();
  });

  it("refuses an expiry past 2038-01-19T03:14:07Z (workerd's 32-bit expiration) before any write", async () => {
    const { kv } = clockedKv();
    const key = unique("2038");
    const put = kv.put(key, "v", { expiresAt: new Date(maxExpirationSeconds * 1000 + 1) });
    expect(await codeOf(put)).toBe("InvalidArgument");
    await expect(put).rejects.toThrow(/32-bit/);
    expect((await raw(key)).value).toBeNull();
  });

  it("writes no expiration when the value never expires", async () => {
    const { kv } = clockedKv();
    const key = unique("forever");
    await kv.put(key, { a: 1 });
    const stored = await raw(key);
    expect(stored.expiration).toBeUndefined();
    expect(stored.metadata).toEqual({ t: "application/json" });
    expect((await kv.getWithMetadata(key)).expiresAt).toBeUndefined();
  });

  it("sweepExpired has nothing to do (native expiry) and deletes nothing", async () => {
    const { kv, clock } = clockedKv();
    const key = unique("sweep");
    await kv.put(key, "v", { ttlSeconds: 60 });
    clock.now += 3_600_000;
    expect(await kv.sweepExpired()).toEqual({ scanned: 0, deleted: 0 });
    expect((await raw(key)).value).not.toBeNull();
  });
});

describe("kvBinding: limits", () => {
  it("refuses a key of 513 bytes before any write and takes 512", async () => {
    const { kv } = clockedKv();
    const long = "k".repeat(510) + "€"; // 513 bytes of UTF-8
    expect(await codeOf(kv.put(long, "v"))).toBe("InvalidArgument");
    expect((await namespace.list({ prefix: "k".repeat(510) })).keys).toEqual([]);
    const fits = "k".repeat(509) + "€";
    await kv.put(fits, "v");
    expect((await kv.get(fits))?.text()).toBe("v");
    await kv.delete(fits);
  });

  it("maps the binding's own key refusal (414) to InvalidKey", async () => {
    expect(await codeOf(backend.put("k".repeat(513), new Uint8Array(1), { contentType: "x/y" }))).toBe("InvalidKey");
    expect(await codeOf(backend.get("k".repeat(513), {}))).toBe("InvalidKey");
  });

  it("stores the largest metadata with the longest content type and expiry in exactly 1024 bytes, and refuses one byte more", async () => {
    const { kv } = clockedKv();
    const key = unique("meta");
    const contentType = `application/${"x".repeat(126 - "application/".length)}`; // 128 bytes as JSON
    const expiresAt = new Date(maxExpirationSeconds * 1000); // 2038: the latest the binding stores, 13 digits of ms
    const metadata = { pad: "m".repeat(maxCallerMetadataBytes - '{"pad":""}'.length) };
    expect(JSON.stringify(metadata).length).toBe(867);
    await kv.put(key, "v", { contentType, expiresAt, metadata });
    const stored = await raw(key);
    expect(JSON.stringify(stored.metadata).length).toBe(1024);
    const read = await kv.getWithMetadata(key);
    expect(read.metadata).toEqual(metadata);
    expect(read.value?.contentType).toBe(contentType);
    expect(read.expiresAt?.getTime()).toBe(maxExpirationSeconds * 1000);
    expect(stored.expiration).toBe(maxExpirationSeconds);

    // The budget is UTF-8 bytes, as the binding counts them: 867 bytes of "€" (3 bytes each) also fit.
    const euros = { pad: `${"€".repeat(285)}ab` };
    expect(new TextEncoder().encode(JSON.stringify(euros)).length).toBe(867);
    const euroKey = unique("meta-euro");
    await kv.put(euroKey, "v", { contentType, expiresAt, metadata: euros });
    expect(new TextEncoder().encode(JSON.stringify((await raw(euroKey)).metadata)).length).toBe(1024);
    expect((await kv.getWithMetadata(euroKey)).metadata).toEqual(euros);

    const over = unique("meta-over");
    const tooMuch = { pad: `${metadata.pad}m` };
    // createKv's own check (its code for metadata over the budget: TooLarge; core says InvalidArgument).
    expect(["InvalidArgument", "TooLarge"]).toContain(await codeOf(kv.put(over, "v", { metadata: tooMuch })));
    const longType = kv.put(over, "v", { contentType: `${contentType}x`, metadata });
    expect(await codeOf(longType)).toBe("InvalidArgument");
    await expect(longType).rejects.toThrow(/pass a shorter contentType/);
    expect((await raw(over)).value).toBeNull();
  });

  it("maps the binding's metadata refusal (413 Metadata length) to InvalidArgument, not TooLarge", async () => {
    const oversized = { metadata: { pad: "m".repeat(1100) } };
    const error = await namespace.put(unique("raw-meta"), new Uint8Array([1]), oversized).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(String(error)).toMatch(/413 Metadata length/);
    const { toKvStorageError } = await import("../src/kv-binding-errors.js");
    expect(toKvStorageError(error, "put").code).toBe("InvalidArgument");
  });

  it("refuses a value over 25 MiB with TooLarge: in createKv before any write, and from the binding itself", async () => {
    const { kv } = clockedKv();
    const key = unique("big");
    const big = new Uint8Array(25 * 1024 * 1024 + 1);
    expect(await codeOf(kv.put(key, big))).toBe("TooLarge");
    expect(await codeOf(backend.put(key, big, { contentType: "application/octet-stream" }))).toBe("TooLarge");
    expect((await raw(key)).value).toBeNull();
  });
});

describe("kvBinding: entries", () => {
  it("reads an entry written by plain Workers code as octet-stream with its own metadata", async () => {
    const { kv } = clockedKv();
    const key = unique("foreign");
    await (env.KV as KVNamespaceRaw).put(key, "plain", { metadata: { a: 1 }, expirationTtl: 300 });
    const read = await kv.getWithMetadata(key);
    expect(read.value?.text()).toBe("plain");
    expect(read.value?.contentType).toBe("application/octet-stream");
    expect(read.metadata).toEqual({ a: 1 });
    const [listed] = (await kv.list({ prefix: key })).keys;
    expect(listed?.metadata).toEqual({ a: 1 });
    expect(listed?.expiresAt?.getTime()).toBe((await raw(key)).expiration! * 1000);
  });

  it("lists pages through the binding's cursor", async () => {
    const { kv } = clockedKv();
    const prefix = unique("page/");
    for (let index = 0; index < 5; index++) await kv.put(`${prefix}${index}`, `${index}`, { metadata: { index } });
    const first = await kv.list({ prefix, limit: 2 });
    expect(first.keys.map((entry) => entry.metadata)).toEqual([{ index: 0 }, { index: 1 }]);
    expect(first.cursor).toBeTypeOf("string");
    const second = await kv.list({ prefix, limit: 3, cursor: first.cursor! });
    expect(second.keys.map((entry) => entry.name)).toEqual([2, 3, 4].map((index) => `${prefix}${index}`));
    expect(second.cursor).toBeUndefined();
  });

  it("rejects with Aborted before calling the binding when the signal has aborted", async () => {
    const key = unique("abort");
    const signal = AbortSignal.abort();
    expect(await codeOf(backend.put(key, new Uint8Array(1), { contentType: "x/y", signal }))).toBe("Aborted");
    expect(await codeOf(backend.get(key, { signal }))).toBe("Aborted");
    expect((await raw(key)).value).toBeNull();
  });
});

interface KVNamespaceRaw {
  put(key: string, value: string, options?: { metadata?: unknown; expirationTtl?: number }): Promise<void>;
}

// The real binding type satisfies the shape kvBinding asks for (checked by tsc, not at run time).
export type NamespaceFits = KVNamespace extends KvNamespaceLike ? true : never;
const namespaceFits: NamespaceFits = true;
void namespaceFits;
type KVNamespace = import("@cloudflare/workers-types/2023-07-01").KVNamespace;
