import { afterEach, describe, expect, it, vi } from "vitest";
import { createStorage, type DriverGetOptions, type StorageDriver } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { keyring, storedSegmentSize, withEncryption } from "@stowage/encryption";
import { S, countingDriver, pattern, readUntilError, testKeys } from "./encryption-helpers.js";

/** Wraps a driver and records the calls the layer makes to it. */
function callRecorder(driver: StorageDriver): { driver: StorageDriver; calls: string[]; gets: DriverGetOptions[] } {
  const calls: string[] = [];
  const gets: DriverGetOptions[] = [];
  const recorded = new Proxy(driver, {
    get(target, name) {
      const value: unknown = Reflect.get(target, name, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(String(name));
        if (name === "get") gets.push(args[1] as DriverGetOptions);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { driver: recorded, calls, gets };
}

describe("a ranged get is one inner get, no head", () => {
  const total = 3 * S + 100;
  const plaintext = pattern(total);
  const ranges = [
    { offset: 0, length: 1 },
    { offset: S + 5, length: 1 },
    { offset: S - 1, length: 2 },
    { offset: 2 * S + 50 },
    { offset: 2 * S + 50, length: 10 * S },
    { suffix: 1 },
    { suffix: S },
    { suffix: total + 10 },
  ];
  for (const range of ranges) {
    it(`${JSON.stringify(range)}: exactly one inner call, a get`, async () => {
      const recorder = callRecorder(memoryDriver());
      const enc = createStorage(withEncryption(recorder.driver, { keyring: testKeys }));
      await enc.put("r", plaintext);
      recorder.calls.length = 0;
      const object = (await enc.get("r", { range }))!;
      expect(await object.bytes()).toEqual(plaintext.subarray(object.range!.offset, object.range!.offset + object.range!.length));
      expect(recorder.calls).toEqual(["get"]);
    });
  }

  it("ifMatch and ifNoneMatch go to that one get: the bytes and the info are one version", async () => {
    const recorder = callRecorder(memoryDriver());
    const enc = createStorage(withEncryption(recorder.driver, { keyring: testKeys }));
    const { etag } = await enc.put("r", plaintext);
    recorder.calls.length = 0;
    const pinned = (await enc.get("r", { range: { offset: S, length: 4 }, ifMatch: etag }))!;
    expect(await pinned.bytes()).toEqual(plaintext.subarray(S, S + 4));
    expect(pinned.etag).toBe(etag);
    expect(recorder.calls).toEqual(["get"]);
    expect(recorder.gets.at(-1)).toMatchObject({ ifMatch: etag, range: { offset: 8 + storedSegmentSize, length: storedSegmentSize } });
    await enc.put("r", pattern(total, 3));
    await expect(enc.get("r", { range: { offset: S, length: 4 }, ifMatch: etag })).rejects.toMatchObject({ code: "PreconditionFailed" });
    const { etag: now } = (await enc.head("r"))!;
    await expect(enc.get("r", { range: { suffix: 4 }, ifNoneMatch: now })).rejects.toMatchObject({ code: "NotModified" });
  });

  it("a missing object is null, and a range past the plaintext end is RangeNotSatisfiable (whether or not the stored body reaches it)", async () => {
    const recorder = callRecorder(memoryDriver());
    const enc = createStorage(withEncryption(recorder.driver, { keyring: testKeys }));
    await enc.put("r", plaintext);
    expect(await enc.get("none", { range: { offset: 3 } })).toBeNull();
    for (const offset of [total, total + 1, total + 16, 4 * S, 4 * S + 100, 100 * S]) {
      await expect(enc.get("r", { range: { offset, length: 1 } })).rejects.toMatchObject({ code: "RangeNotSatisfiable" });
    }
    expect(recorder.calls.filter((call) => call === "head")).toEqual([]);
  });
});

describe("suffix ranges without the size", () => {
  const totals = [1, 100, S - 1, S, S + 1, 2 * S, 2 * S + 1, 3 * S + 100];
  const suffixes = [1, 7, 15, 16, 17, S - 1, S, S + 1, 2 * S, 2 * S + 9, 10 * S];
  it("every suffix of every size reads the right bytes, reading at most one stored segment more than it needs", async () => {
    const counting = countingDriver(memoryDriver());
    const enc = createStorage(withEncryption(counting.driver, { keyring: testKeys }));
    for (const total of totals) {
      const plaintext = pattern(total, total & 0xff);
      await enc.put(`s${total}`, plaintext);
      for (const suffix of suffixes) {
        counting.reset();
        const object = (await enc.get(`s${total}`, { range: { suffix } }))!;
        const length = Math.min(suffix, total);
        expect(object.range, `${total}/${suffix}`).toEqual({ offset: total - length, length });
        expect(await object.bytes(), `${total}/${suffix}`).toEqual(plaintext.subarray(total - length));
        const needed = Math.ceil(length / S) + 1;
        expect(counting.bytesRead(), `${total}/${suffix}`).toBeLessThanOrEqual(8 + needed * storedSegmentSize);
      }
    }
  });

  it("a suffix of an empty object is RangeNotSatisfiable", async () => {
    const enc = createStorage(withEncryption(memoryDriver(), { keyring: testKeys }));
    await enc.put("e", new Uint8Array(0));
    await expect(enc.get("e", { range: { suffix: 1 } })).rejects.toMatchObject({ code: "RangeNotSatisfiable" });
    await expect(enc.get("e", { range: { suffix: S } })).rejects.toMatchObject({ code: "RangeNotSatisfiable" });
  });
});

describe("the data-key cache", () => {
  afterEach(() => vi.restoreAllMocks());

  it("a second range of the same object does not unwrap its data key again", async () => {
    const enc = createStorage(withEncryption(memoryDriver(), { keyring: testKeys }));
    await enc.put("c", pattern(3 * S));
    const decrypt = vi.spyOn(crypto.subtle, "decrypt");
    const importKey = vi.spyOn(crypto.subtle, "importKey");
    await (await enc.get("c", { range: { offset: S + 1, length: 1 } }))!.bytes();
    expect(decrypt).toHaveBeenCalledTimes(2); // unwrap + one segment
    expect(importKey).toHaveBeenCalledTimes(1);
    decrypt.mockClear();
    importKey.mockClear();
    await (await enc.get("c", { range: { offset: 2 * S + 1, length: 1 } }))!.bytes();
    await (await enc.get("c"))!.bytes();
    expect(decrypt).toHaveBeenCalledTimes(1 + 3); // segments only
    expect(importKey).not.toHaveBeenCalled();
  });

  it("the same record under another object key is not served from the cache: Corrupted", async () => {
    const inner = memoryDriver();
    const enc = createStorage(withEncryption(inner, { keyring: testKeys }));
    const raw = createStorage(inner);
    await enc.put("from", pattern(2 * S));
    expect((await (await enc.get("from", { range: { offset: 0, length: 1 } }))!.bytes()).length).toBe(1);
    const stored = (await raw.get("from"))!;
    await raw.put("to", await stored.bytes(), { metadata: stored.metadata });
    await expect(enc.get("to", { range: { offset: 0, length: 1 } })).rejects.toMatchObject({ code: "Corrupted" });
    await expect(enc.get("to")).rejects.toMatchObject({ code: "Corrupted" });
  });

  it("is per keyring instance: other secrets under the same id do not see its keys", async () => {
    const inner = memoryDriver();
    const enc = createStorage(withEncryption(inner, { keyring: testKeys }));
    await enc.put("k", pattern(S + 3));
    expect(await (await enc.get("k", { range: { offset: S, length: 3 } }))!.bytes()).toEqual(pattern(S + 3).subarray(S));
    const changed = keyring({ keys: [{ id: "k1", secret: "a-different-secret-under-the-same-id-k1!!" }] });
    const other = createStorage(withEncryption(inner, { keyring: changed }));
    await expect(other.get("k", { range: { offset: S, length: 3 } })).rejects.toMatchObject({ code: "Corrupted" });
  });
});

/** The memory driver, its get bodies handed out as streams of `chunk`-byte pieces (as fs does for large ranges, S3 and R2 always). */
function streamingDriver(chunk: number): StorageDriver {
  const inner = memoryDriver();
  const get: StorageDriver["get"] = async (key, options) => {
      const result = await inner.get(key, options);
      if (result === null || !(result.body instanceof Uint8Array)) return result;
      const bytes = result.body;
      let at = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at >= bytes.length) return controller.close();
          controller.enqueue(bytes.slice(at, at + chunk));
          at += chunk;
        },
      });
      return { ...result, body };
  };
  return new Proxy(inner, { get: (target, name) => (name === "get" ? get : Reflect.get(target, name, target)) });
}

describe("ranges over a driver that returns streams", () => {
  const total = 3 * S + 100;
  const plaintext = pattern(total);
  for (const chunk of [1000, S + 16, 3 * S]) {
    it(`offset and suffix ranges read the right bytes (chunks of ${chunk})`, async () => {
      const enc = createStorage(withEncryption(streamingDriver(chunk), { keyring: testKeys }));
      await enc.put("r", plaintext);
      for (const range of [{ offset: 0, length: 1 }, { offset: S - 1, length: 2 }, { offset: S, length: 2 * S }, { offset: 2 * S + 50 }, { suffix: 1 }, { suffix: S }, { suffix: S + 101 }, { suffix: total + 1 }]) {
        const object = (await enc.get("r", { range }))!;
        const { offset, length } = object.range!;
        expect(await object.bytes(), JSON.stringify(range)).toEqual(plaintext.subarray(offset, offset + length));
      }
    });
  }

  it("a tampered first segment rejects the ranged get; a later one errors the stream after the segments before it", async () => {
    const driver = streamingDriver(1000);
    const enc = createStorage(withEncryption(driver, { keyring: testKeys }));
    const raw = createStorage(driver);
    await enc.put("r", plaintext);
    const stored = (await raw.get("r"))!;
    const bytes = await stored.bytes();
    bytes[8 + 2 * storedSegmentSize + 9]! ^= 1;
    await raw.put("r", bytes, { metadata: stored.metadata });
    await expect(enc.get("r", { range: { offset: 2 * S + 3, length: 2 } })).rejects.toMatchObject({ code: "Corrupted" });
    await expect(enc.get("r", { range: { suffix: S + 100 } })).rejects.toMatchObject({ code: "Corrupted" });
    const spanning = (await enc.get("r", { range: { offset: S + 10, length: S + 5 } }))!;
    const read = await readUntilError(spanning.body);
    expect(read.error).toMatchObject({ code: "Corrupted" });
    expect(read.delivered).toEqual(plaintext.subarray(S + 10, 2 * S));
  });
});
