const mebibyte = 1024 * 1024;

/** S3's smallest part (except the last). */
export const minPartSize = 5 * mebibyte;
/** S3's largest part. */
export const maxPartSize = 5 * 1024 * mebibyte;
/** S3's most parts per upload. */
export const maxParts = 10_000;
/** The part size when the body's size is unknown: 8 MiB, so up to about 78 GiB. */
export const defaultPartSize = 8 * mebibyte;

/**
 * The part size for a multipart upload: at least 5 MiB, and large enough
 * that `sizeHint` bytes fit in 10,000 parts (rounded up to whole MiB).
 * Without a hint it is `fallback` (8 MiB).
 */
export function computePartSize(sizeHint: number | undefined, fallback: number = defaultPartSize): number {
  const base = Math.max(minPartSize, Math.min(fallback, maxPartSize));
  if (sizeHint === undefined) return base;
  if (sizeHint > maxPartSize * maxParts) throw new RangeError(`${sizeHint} bytes do not fit in ${maxParts} parts of at most 5 GiB`);
  const needed = Math.ceil(Math.ceil(sizeHint / maxParts) / mebibyte) * mebibyte;
  return Math.min(maxPartSize, Math.max(base, needed));
}
