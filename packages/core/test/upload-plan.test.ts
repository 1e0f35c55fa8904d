import { describe, expect, it } from "vitest";
import { isStorageError, planUploadParts, s3UploadLimits, type UploadLimits } from "@stowage/core";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return isStorageError(error) ? `${error.code}: ${error.message}` : `not a StorageError: ${String(error)}`;
  }
  return "planned";
}

/** Every part fits the limits: the plan is valid for `size` bytes. */
function assertValid(size: number, plan: { partSize: number; partCount?: number }, limits: UploadLimits = s3UploadLimits): void {
  expect(plan.partCount).toBe(Math.max(1, Math.ceil(size / plan.partSize)));
  expect(plan.partCount!).toBeLessThanOrEqual(limits.maxParts);
  expect(plan.partSize).toBeLessThanOrEqual(limits.maxPartSize);
  if (plan.partCount! > 1) expect(plan.partSize).toBeGreaterThanOrEqual(limits.minPartSize);
  const last = size - plan.partSize * (plan.partCount! - 1);
  expect(last).toBeGreaterThanOrEqual(0);
  expect(last).toBeLessThanOrEqual(plan.partSize);
}

describe("planUploadParts", () => {
  it("plans 1 byte, exactly one part, and an empty upload as one part", () => {
    assertValid(1, planUploadParts({ size: 1 }, s3UploadLimits));
    expect(planUploadParts({ size: 8 * MiB }, s3UploadLimits)).toEqual({ partSize: 8 * MiB, partCount: 1 });
    expect(planUploadParts({ size: 0 }, s3UploadLimits)).toEqual({ partSize: 8 * MiB, partCount: 1 });
    expect(planUploadParts({ size: 3, partSize: 3 }, s3UploadLimits)).toEqual({ partSize: 3, partCount: 1 });
  });

  it("re-plans 10,001 minimum-size parts into bigger parts, and refuses that part size when asked for", () => {
    const size = 10_001 * 5 * MiB;
    const plan = planUploadParts({ size }, s3UploadLimits);
    assertValid(size, plan);
    expect(plan.partSize % MiB).toBe(0);
    expect(refusal(() => planUploadParts({ size, partSize: 5 * MiB }, s3UploadLimits))).toMatch(/^InvalidArgument: .*at least 6291456/);
  });

  it("plans 5 TiB, and refuses what cannot fit", () => {
    const plan = planUploadParts({ size: 5 * TiB }, s3UploadLimits);
    assertValid(5 * TiB, plan);
    expect(refusal(() => planUploadParts({ size: 10_000 * 5 * GiB + 1 }, s3UploadLimits))).toMatch(/^InvalidArgument/);
    expect(refusal(() => planUploadParts({ maxSize: 5 * TiB }, s3UploadLimits))).toBe("planned");
  });

  it("refuses part sizes outside the limits and malformed sizes", () => {
    expect(refusal(() => planUploadParts({ size: 20 * MiB, partSize: MiB }, s3UploadLimits))).toMatch(/at least 5242880/);
    expect(refusal(() => planUploadParts({ partSize: 6 * GiB }, s3UploadLimits))).toMatch(/at most/);
    expect(refusal(() => planUploadParts({ size: -1 }, s3UploadLimits))).toMatch(/^InvalidArgument/);
    expect(refusal(() => planUploadParts({ size: 10, maxSize: 5 }, s3UploadLimits))).toMatch(/larger than maxSize/);
  });

  it("honours a provider with 1,000 parts", () => {
    const limits = { ...s3UploadLimits, maxParts: 1000 };
    const plan = planUploadParts({ size: 100 * GiB }, limits);
    assertValid(100 * GiB, plan, limits);
  });
});
