import type { CapabilityHints } from "@stowage/core";

/**
 * Why the r2 driver's copy is not server-side and its delete is never
 * conditional, and what to do instead: `Storage` adds these to the
 * `Unsupported` message (`Storage.move` needs `deleteIfMatch`).
 */
export const r2DataHints = Object.freeze({
  serverSideCopy:
    "the R2 binding has no copy (workerd#1349), so r2 copies by streaming the source's body through the Worker from get into put: " +
    "the bytes count against the Worker's time and subrequests (no 100 MB request-body limit applies to binding streams); " +
    "for a server-side copy, use Stowage's s3 driver against R2's S3 endpoint (https://<accountId>.r2.cloudflarestorage.com)",
  deleteIfMatch:
    "the R2 binding's delete takes no condition (it deletes whatever version is there), so a conditional delete cannot be atomic; " +
    "copy, then delete the source yourself when a concurrent overwrite of it cannot happen or does not matter",
}) satisfies CapabilityHints;
