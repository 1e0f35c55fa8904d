// The few workerd globals the tests use, typed without loading
// @cloudflare/workers-types as globals (they clash with the DOM lib that the
// sibling packages' sources are checked with).
declare module "cloudflare:workers" {
  export const env: Record<string, unknown>;
}

type R2Bucket = import("@cloudflare/workers-types/2023-07-01").R2Bucket;

declare class FixedLengthStream extends TransformStream<Uint8Array, Uint8Array> {
  constructor(expectedLength: number);
}
