import { computePartSize, maxPartSize, maxParts, minPartSize } from "@stowage/s3";
import { describe, expect, it } from "vitest";

const mebibyte = 1024 * 1024;

describe("computePartSize", () => {
  it("uses 8 MiB without a size hint, or the configured fallback (at least 5 MiB)", () => {
    expect(computePartSize(undefined)).toBe(8 * mebibyte);
    expect(computePartSize(undefined, 16 * mebibyte)).toBe(16 * mebibyte);
    expect(computePartSize(undefined, 1 * mebibyte)).toBe(minPartSize);
  });

  it("never goes below 5 MiB", () => {
    expect(computePartSize(0, minPartSize)).toBe(5 * mebibyte);
    expect(computePartSize(1, minPartSize)).toBe(5 * mebibyte);
    expect(computePartSize(10 * mebibyte, minPartSize)).toBe(5 * mebibyte);
  });

  it("grows so that the hinted size fits in 10,000 parts, in whole MiB", () => {
    const hint = 100 * 1024 * mebibyte; // 100 GiB needs 10.24 MiB parts
    const size = computePartSize(hint);
    expect(size).toBe(11 * mebibyte);
    expect(Math.ceil(hint / size)).toBeLessThanOrEqual(maxParts);
    expect(Math.ceil(hint / (size - mebibyte))).toBeGreaterThan(maxParts);
    for (const hinted of [1, 5 * mebibyte, 80 * 1024 * mebibyte, 1024 * 1024 * mebibyte, maxPartSize * maxParts]) {
      const part = computePartSize(hinted);
      expect(part).toBeGreaterThanOrEqual(minPartSize);
      expect(part).toBeLessThanOrEqual(maxPartSize);
      expect(Math.ceil(hinted / part)).toBeLessThanOrEqual(maxParts);
    }
  });

  it("refuses a size that does not fit in 10,000 parts of 5 GiB", () => {
    expect(() => computePartSize(maxPartSize * maxParts + 1)).toThrow(RangeError);
  });
});
