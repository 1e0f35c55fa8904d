import { invalid, validateNonNegativeInteger } from "./validate-options.js";

const mebibyte = 1024 * 1024;

/**
 * A backend's multipart rules, as data (`StorageDriver.uploadLimits`).
 * `Storage` plans every upload against them before anything is created.
 */
export interface UploadLimits {
  /** The smallest part except the last, in bytes (S3: 5 MiB). */
  readonly minPartSize: number;
  /** The largest part, in bytes (S3: 5 GiB). */
  readonly maxPartSize: number;
  /** The most parts one upload may have (S3: 10,000; some providers 1,000). */
  readonly maxParts: number;
  /** Every part but the last must have the same size (R2). */
  readonly equalParts: boolean;
}

/** S3's rules: parts of 5 MiB to 5 GiB (the last may be smaller), at most 10,000. */
export const s3UploadLimits: UploadLimits = Object.freeze({
  minPartSize: 5 * mebibyte,
  maxPartSize: 5 * 1024 * mebibyte,
  maxParts: 10_000,
  equalParts: false,
});

/** The part size used when neither the caller nor the size asks for more. */
export const defaultUploadPartSize = 8 * mebibyte;

export interface UploadPlanRequest {
  /** The exact total, when known. */
  size?: number;
  /** The largest total allowed, when the exact one is not known. */
  maxSize?: number;
  /** The part size the caller wants. */
  partSize?: number;
}

export interface UploadPlan {
  /** Every part but the last has exactly this many bytes. */
  partSize: number;
  /** How many parts, when `size` is known (at least 1: an empty upload is one empty part). */
  partCount?: number;
}

/**
 * Plans the parts of an upload: `partSize` as asked (checked against the
 * limits), or the default 8 MiB grown in whole MiB until the largest
 * possible total (`size`, else `maxSize`) fits in `maxParts`. A request no
 * plan satisfies is `InvalidArgument`, saying what would work.
 */
export function planUploadParts(request: UploadPlanRequest, limits: UploadLimits): UploadPlan {
  const size = request.size === undefined ? undefined : validateNonNegativeInteger(request.size, "size");
  const maxSize = request.maxSize === undefined ? undefined : validateNonNegativeInteger(request.maxSize, "maxSize");
  if (size !== undefined && maxSize !== undefined && size > maxSize) throw invalid(`size (${size}) is larger than maxSize (${maxSize})`);
  const bound = size ?? maxSize;
  const largest = limits.maxPartSize * limits.maxParts;
  if (bound !== undefined && bound > largest) {
    throw invalid(`${bound} bytes do not fit in ${limits.maxParts} parts of at most ${limits.maxPartSize} bytes (${largest} bytes in all)`);
  }
  let partSize: number;
  if (request.partSize !== undefined) {
    partSize = validateNonNegativeInteger(request.partSize, "partSize");
    const onePart = size !== undefined && size <= partSize;
    if (partSize < limits.minPartSize && !onePart) {
      throw invalid(`partSize must be at least ${limits.minPartSize} bytes (the backend's smallest part except the last); got ${partSize}`);
    }
    if (partSize > limits.maxPartSize) throw invalid(`partSize must be at most ${limits.maxPartSize} bytes; got ${partSize}`);
    if (partSize === 0) throw invalid("partSize must be at least 1 byte");
    if (bound !== undefined && Math.ceil(bound / partSize) > limits.maxParts) {
      const needed = Math.ceil(Math.ceil(bound / limits.maxParts) / mebibyte) * mebibyte;
      throw invalid(
        `partSize ${partSize} gives ${Math.ceil(bound / partSize)} parts for ${bound} bytes, but the backend allows ${limits.maxParts}: use a partSize of at least ${needed}, or leave it out`,
      );
    }
  } else {
    const needed = bound === undefined ? 0 : Math.ceil(Math.ceil(bound / limits.maxParts) / mebibyte) * mebibyte;
    partSize = Math.min(limits.maxPartSize, Math.max(limits.minPartSize, defaultUploadPartSize, needed));
  }
  const plan: UploadPlan = { partSize };
  if (size !== undefined) plan.partCount = Math.max(1, Math.ceil(size / partSize));
  return plan;
}

/** The exact size of part `partNumber` (1-based) of a plan with a known total, or undefined when the total is unknown. */
export function partSizeOf(plan: { partSize: number; partCount?: number; size?: number }, partNumber: number): number | undefined {
  if (plan.size === undefined || plan.partCount === undefined) return undefined;
  if (partNumber < plan.partCount) return plan.partSize;
  return plan.size - plan.partSize * (plan.partCount - 1);
}
