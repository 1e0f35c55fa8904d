import { randomFillSync } from "node:crypto";

/** Bytes in a version token (the etag is its hex form). */
export const versionTokenBytes = 16;

/** Random bytes drawn in bulk: one call to the CSPRNG serves 256 puts. */
const pool = Buffer.alloc(versionTokenBytes * 256);
let poolOffset = pool.byteLength;

/**
 * A fresh version token for one write: 128 random bits, so two writes (in
 * any process, on any host sharing the root) never get the same one. The
 * etag is this token in hex: it changes on every put, even one that stores
 * the same bytes again, and costs nothing per byte of the body.
 */
export function newVersionToken(): Buffer {
  if (poolOffset === pool.byteLength) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const token = Buffer.from(pool.subarray(poolOffset, poolOffset + versionTokenBytes));
  poolOffset += versionTokenBytes;
  return token;
}
