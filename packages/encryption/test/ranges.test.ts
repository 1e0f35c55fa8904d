import { describe, expect, it } from "vitest";
import { createStorage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { encryptedSize, plaintextSize, plaintextSizeOrUndefined, segmentRange, storedSegmentSize, withEncryption } from "@stowage/encryption";
import { S, countingDriver, encryptedMemory, lazyStream, pattern, testKeys } from "./encryption-helpers.js";

describe("sizes", () => {
  it("encryptedSize and plaintextSize are inverse at and around segment edges", () => {
    for (const p of [0, 1, 2, S - 1, S, S + 1, 2 * S - 1, 2 * S, 2 * S + 1, 10 * S + 12345]) {
      const c = encryptedSize(p);
      expect(c).toBe(8 + p + 16 * Math.max(1, Math.ceil(p / S)));
      expect(plaintextSize(c)).toBe(p);
    }
  });

  it("sizes no body in the format can have are not the format", () => {
    for (const c of [0, 8, 23, 8 + storedSegmentSize + 15, 8 + storedSegmentSize + 16]) expect(plaintextSizeOrUndefined(c)).toBeUndefined();
    expect(() => plaintextSize(23)).toThrow(expect.objectContaining({ code: "Corrupted" }));
  });

  it("a range needs exactly the segments it touches, without the header unless segment 0", () => {
    expect(segmentRange(0, 1, 3 * S)).toMatchObject({ first: 0, last: 0, final: 2, storedOffset: 0, storedLength: 8 + storedSegmentSize, skip: 0 });
    expect(segmentRange(S, 1, 3 * S)).toMatchObject({ first: 1, last: 1, storedOffset: 8 + storedSegmentSize, storedLength: storedSegmentSize, skip: 0 });
    expect(segmentRange(S - 1, 2, 3 * S)).toMatchObject({ first: 0, last: 1, storedOffset: 0, storedLength: 8 + 2 * storedSegmentSize, skip: S - 1 });
    expect(segmentRange(2 * S + 5, 1, 2 * S + 10)).toMatchObject({ first: 2, last: 2, final: 2, storedOffset: 8 + 2 * storedSegmentSize, storedLength: 10 + 16, skip: 5 });
  });
});

describe("ranged reads through withEncryption", () => {
  const total = 3 * S + 100;
  const plaintext = pattern(total);
  const cases: [string, { offset: number; length?: number } | { suffix: number }, number, number][] = [
    ["the first byte", { offset: 0, length: 1 }, 0, 1],
    ["the last byte", { offset: total - 1 }, total - 1, 1],
    ["the last byte of segment 0", { offset: S - 1, length: 1 }, S - 1, 1],
    ["exactly at a segment edge", { offset: S, length: 1 }, S, 1],
    ["spanning two segments", { offset: S - 3, length: 6 }, S - 3, 6],
    ["spanning three segments", { offset: S - 1, length: S + 2 }, S - 1, S + 2],
    ["a whole middle segment", { offset: S, length: S }, S, S],
    ["a length past the end (clamped)", { offset: 2 * S + 50, length: 10 * S }, 2 * S + 50, S + 50],
    ["a 1-byte suffix", { suffix: 1 }, total - 1, 1],
    ["a suffix across an edge", { suffix: 101 }, total - 101, 101],
    ["a suffix longer than the object", { suffix: total + 10 }, 0, total],
  ];
  for (const [name, range, offset, length] of cases) {
    it(`reads ${name}`, async () => {
      const { enc } = encryptedMemory();
      await enc.put("r", plaintext);
      const object = (await enc.get("r", { range }))!;
      expect(object.range).toEqual({ offset, length });
      expect(object.size).toBe(total);
      expect(await object.bytes()).toEqual(plaintext.subarray(offset, offset + length));
    });
  }

  it("a range starting at or past the plaintext end is RangeNotSatisfiable (though the stored body is longer)", async () => {
    const { enc } = encryptedMemory();
    await enc.put("r", plaintext);
    await expect(enc.get("r", { range: { offset: total } })).rejects.toMatchObject({ code: "RangeNotSatisfiable" });
    await expect(enc.get("r", { range: { offset: total + 20 } })).rejects.toMatchObject({ code: "RangeNotSatisfiable" });
  });

  it("an empty object reads empty, reports size 0, and refuses any range", async () => {
    const { enc, raw } = encryptedMemory();
    await enc.put("e", new Uint8Array(0));
    expect((await raw.head("e"))!.size).toBe(24);
    expect((await enc.head("e"))!.size).toBe(0);
    expect((await enc.list()).objects.map((o) => o.size)).toEqual([0]);
    expect(await (await enc.get("e"))!.bytes()).toEqual(new Uint8Array(0));
    await enc.put("s", lazyStream(0, 10));
    expect(await (await enc.get("s"))!.bytes()).toEqual(new Uint8Array(0));
    await expect(enc.get("e", { range: { offset: 0, length: 1 } })).rejects.toMatchObject({ code: "RangeNotSatisfiable" });
    await expect(enc.get("e", { range: { suffix: 1 } })).rejects.toMatchObject({ code: "RangeNotSatisfiable" });
  });

  it("a size that is an exact multiple of 64 KiB round-trips, streamed and whole, with its last byte readable", async () => {
    const { enc, raw } = encryptedMemory();
    const exact = pattern(2 * S);
    await enc.put("m", exact);
    await enc.put("ms", lazyStream(2 * S, 1000));
    for (const key of ["m", "ms"]) {
      expect((await raw.head(key))!.size).toBe(8 + 2 * S + 32);
      expect((await enc.head(key))!.size).toBe(2 * S);
      expect(await (await enc.get(key))!.bytes()).toEqual(exact);
      expect(await (await enc.get(key, { range: { offset: 2 * S - 1 } }))!.bytes()).toEqual(exact.subarray(2 * S - 1));
      expect(await (await enc.get(key, { range: { offset: S } }))!.bytes()).toEqual(exact.subarray(S));
    }
    expect((await enc.list()).objects.map((o) => o.size)).toEqual([2 * S, 2 * S]);
  });

  it("a 1-byte range of a 64 MiB object reads at most 2 segments from the inner driver", async () => {
    const counting = countingDriver(memoryDriver());
    const enc = createStorage(withEncryption(counting.driver, { keyring: testKeys }));
    const size = 64 * 1024 * 1024;
    await enc.put("big", lazyStream(size, 256 * 1024), { size });
    for (const offset of [0, 40 * 1024 * 1024 + 5, size - 1, 10 * S, 10 * S - 1]) {
      counting.reset();
      const object = (await enc.get("big", { range: { offset, length: 1 } }))!;
      const byte = await object.bytes();
      expect(byte).toEqual(new Uint8Array([(offset * 7 + 1) & 0xff]));
      expect(counting.bytesRead()).toBeGreaterThan(0);
      expect(counting.bytesRead()).toBeLessThanOrEqual(2 * storedSegmentSize);
    }
    counting.reset();
    await (await enc.get("big", { range: { offset: 10 * S - 1, length: 2 } }))!.bytes();
    expect(counting.bytesRead()).toBe(2 * storedSegmentSize);
  });
});
