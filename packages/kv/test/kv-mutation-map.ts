/**
 * Which deliberate mutation (broken-backends.ts) each KV conformance case
 * must catch. Every case appears here; kv-mutations.test.ts runs each case
 * under each of its mutations and expects it to fail.
 */
export const kvMutationMap: Record<string, string[]> = {
  "values: a string reads back as text/plain, same text and UTF-8 bytes": ["content type fixed"],
  "values: JSON values (object, array, number, boolean, null, nested) read back parsed, as application/json": ["content type fixed"],
  "values: bytes, ArrayBuffer and typed arrays read back byte for byte as application/octet-stream": ["value stored as text"],
  "values: a Blob keeps its bytes and its type (octet-stream when it has none); contentType overrides": ["content type fixed", "value stored as text"],
  "values: metadata round trips through get and getWithMetadata; a rewrite without metadata clears it": ["metadata dropped"],
  "values: a missing key reads as null; delete removes a value and is quiet when absent": ["delete does nothing"],
  "expiry: ttlSeconds sets expiresAt = now + ttl; the value reads as null (and is unlisted) from that instant": [
    "expiry dropped on put",
    "expiry dropped on get",
    "expiry dropped in list",
    "list includes expired",
  ],
  "expiry: expiresAt sets that instant; the value reads as null from it, also through a second Kv": ["expiry dropped on put", "expiry dropped on get", "list includes expired"],
  "expiry: createKv's ttlSeconds applies to puts without one; a put's own TTL wins; a rewrite without TTL clears the expiry": ["expiry dropped on put", "expiry dropped on get"],
  "expiry: a value rewritten with a new TTL lives by the new one": ["expiry dropped on put"],
  "refusals: bad TTLs (0, negative, fractional, NaN, Infinity, a string, below the backend's minimum) are InvalidArgument, never rounded": [
    "refusals swallowed",
    "writes before validating",
  ],
  "refusals: expiresAt in the past, now, too soon, invalid, not a Date, or with ttlSeconds is InvalidArgument": ["refusals swallowed", "writes before validating"],
  "refusals: a value over maxValueBytes is TooLarge; metadata over maxMetadataBytes is InvalidArgument, as in core": ["refusals swallowed", "writes before validating", "metadata dropped"],
  "refusals: values and metadata that are not JSON (undefined, functions, symbols, bigints, NaN, cycles, Dates, Maps) are InvalidArgument": [
    "refusals swallowed",
    "writes before validating",
  ],
  "refusals: bad keys (empty, over maxKeyBytes, not a string, a lone surrogate) are InvalidArgument on every operation": ["refusals swallowed"],
  "cache: a warm read is served from memory: another process's write shows only after cacheTtlSeconds (KV propagation)": [
    "cache never stores",
    "cache ignores cacheTtlSeconds",
  ],
  "cache: misses are cached too, for cacheTtlSeconds": ["cache never stores", "cache ignores cacheTtlSeconds"],
  "cache: put and delete through the same Kv invalidate at once, even a put that fails": ["cache never invalidates", "delete does nothing"],
  "cache: a cached value never outlives its own expiry": ["expiry dropped on get"],
  "cache: with cacheTtlSeconds 0 every read sees the latest write from anywhere": ["cache on when asked off"],
  "list: pages of at most limit give every live key exactly once, in order, with expired keys mixed in never appearing": [
    "list includes expired",
    "list ignores limit",
    "list drops the cursor",
    "list reversed",
    "list repeats a page's last key",
    "expiry dropped in list",
    "metadata dropped in list",
  ],
  "list: a prefix narrows the listing; keys come back without the Kv's own prefix": ["list includes expired", "list reversed"],
  "list: limit outside 1..1000 and a malformed cursor are InvalidArgument": ["refusals swallowed"],
  "races: 20 writers of one key: every read during and after is exactly one writer's whole value; a later write wins": ["put not atomic (two halves)"],
  "sweep: sweepExpired deletes the expired values only, counts them, and is idempotent": [
    "sweep deletes live values",
    "sweep counts scanned as deleted",
    "sweep does nothing",
  ],
  "sweep: a value rewritten while sweepExpired runs survives it (the delete is conditional on what the sweep saw)": ["sweep deletes unconditionally"],
  "sweep: a sweep limited to a prefix leaves other expired values alone": ["sweep does nothing"],
  "sweep: where the backend cannot sweep safely, sweepExpired is Unsupported and deletes nothing (where it can, it leaves live values alone)": [
    "sweep refusal swallowed",
    "sweep deletes live values",
  ],
};
