import { describe, expect, it } from "vitest";
import { decodeBlockId, encodeBlockId, randomOwner } from "../src/block-ids.ts";
import { base64ToBytes } from "../src/shared-key.ts";

describe("block ids", () => {
  it("every kind encodes to 64 ASCII bytes and decodes back", () => {
    const owner = randomOwner();
    for (const id of [
      { owner, kind: "b", seq: 0, payload: "" },
      { owner, kind: "r", seq: 12, payload: "eyJjb250ZW50VHlwZSI6ImEvYiJ9" },
      { owner, kind: "p", seq: 50_000, payload: "x".repeat(46) },
      { owner, kind: "x", seq: 0, payload: "" },
    ] as const) {
      const encoded = encodeBlockId(id);
      expect(base64ToBytes(encoded).byteLength).toBe(64);
      expect(decodeBlockId(encoded)).toEqual(id);
    }
  });

  it("ids of other shapes (an older put's, another tool's) decode to undefined", () => {
    expect(decodeBlockId(btoa("0123456789abcdef0123456789abcdef-000001"))).toBeUndefined();
    expect(decodeBlockId("not base64!")).toBeUndefined();
  });

  it("refuses an owner, seq or payload that would change the length", () => {
    expect(() => encodeBlockId({ owner: "short", kind: "b", seq: 0, payload: "" })).toThrow();
    expect(() => encodeBlockId({ owner: randomOwner(), kind: "p", seq: 100_000, payload: "" })).toThrow();
    expect(() => encodeBlockId({ owner: randomOwner(), kind: "p", seq: 1, payload: "y".repeat(47) })).toThrow();
  });
});
