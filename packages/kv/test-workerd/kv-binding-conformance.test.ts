import { env } from "cloudflare:workers";
import { createKv } from "@stowage/kv";
import { describeKvConformance } from "@stowage/kv/conformance";
import { kvBinding, type KvNamespaceLike } from "../src/kv-binding.js";

// The KV conformance suite over the Workers KV binding inside workerd. Each
// case's clock starts at the real now and only moves forward, so every native
// expiration the binding writes is valid; expiry is judged by the Kv's clock
// (miniflare's KV simulator expires by its own real clock, which no test moves).
const nativeExpiry =
  "native expiry: Workers KV deletes an entry itself at its expiration (at most 1 s after expiresAt), so kvBinding's " +
  "sweepExpired has nothing to delete and answers { scanned: 0, deleted: 0 }";

describeKvConformance({
  name: "workers-kv (workerd)",
  skip: {
    "sweep: sweepExpired deletes the expired values only, counts them, and is idempotent": nativeExpiry,
    "sweep: a sweep limited to a prefix leaves other expired values alone": nativeExpiry,
  },
  create: () => {
    const backend = kvBinding({ namespace: env.KV as unknown as KvNamespaceLike });
    return {
      create: ({ clock, prefix, cacheTtlSeconds, ttlSeconds }) =>
        createKv(backend, { clock, prefix, cacheTtlSeconds, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) }),
    };
  },
});
