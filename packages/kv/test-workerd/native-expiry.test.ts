import { describe, expect, inject, it } from "vitest";

// What native-expiry.global-setup.ts observed (in Node, on a private Miniflare
// whose KV clock it could move): Workers KV itself deletes the entry at the
// native expiration kvBinding wrote, the exact instant rounded up to a second.
describe("kvBinding: native expiry in the Workers KV simulator", () => {
  it("the entry is there 1 ms before its native second and gone (get and list) at it", () => {
    const observed = inject("nativeExpiry");
    if ("error" in observed) throw new Error(`the native-expiry setup failed: ${observed.error}`);
    expect(observed.expiresAtMs).toBe(observed.startMs + 60_000);
    expect(observed.listedExpiration).toBe(Math.ceil(observed.expiresAtMs / 1000));
    expect(observed.listedExpiration! * 1000).toBeGreaterThan(observed.expiresAtMs);
    expect(observed.presentJustBefore).toBe(true);
    expect(observed.goneAtNative).toEqual({ get: true, list: true });
  });
});
