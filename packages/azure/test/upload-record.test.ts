import { describe, expect, it } from "vitest";
import { encodeBlockId, randomOwner } from "../src/block-ids.ts";
import { parseRecord, recordChunks, recordOf, sessionsOf } from "../src/upload-record.ts";

describe("upload records and sessions in block ids", () => {
  const metadata = Object.fromEntries(Array.from({ length: 40 }, (_, index) => [`key-${index}`, "välue ".repeat(8).trim()]));
  const record = recordOf({ contentType: "text/x-ü", cacheControl: "no-cache", metadata }, new Date("2026-01-02T03:04:05Z"), "0x8DC");

  it("a record of ~2 KiB of metadata round-trips through its chunks, and a missing chunk gives undefined", () => {
    const chunks = recordChunks(record);
    expect(chunks.length).toBeGreaterThan(50);
    expect(parseRecord(new Map(chunks.map((chunk, seq) => [seq, chunk])))).toEqual(record);
    const holed = new Map(chunks.map((chunk, seq) => [seq, chunk]));
    holed.delete(3);
    expect(parseRecord(holed)).toBeUndefined();
    expect(parseRecord(new Map(chunks.slice(0, -1).map((chunk, seq) => [seq, chunk])))).toBeUndefined();
  });

  it("sessionsOf takes each part's latest nonce whatever the listing order, sees tombstones and ignores put()'s blocks", () => {
    const owner = randomOwner();
    const other = randomOwner();
    const put = randomOwner();
    const blocks = [
      ...recordChunks(record).map((payload, seq) => ({ name: encodeBlockId({ owner, kind: "r", seq, payload }), size: 1 })),
      { name: encodeBlockId({ owner, kind: "p", seq: 1, payload: "000000002aaaaaaaaaaa" }), size: 20 },
      { name: encodeBlockId({ owner, kind: "p", seq: 1, payload: "000000003aaaaaaaaaaa" }), size: 30 },
      { name: encodeBlockId({ owner, kind: "p", seq: 1, payload: "000000001aaaaaaaaaaa" }), size: 10 },
      { name: encodeBlockId({ owner, kind: "p", seq: 2, payload: "000000001bbbbbbbbbbbz" }), size: 1 },
      { name: encodeBlockId({ owner: put, kind: "b", seq: 0, payload: "" }), size: 5 },
      { name: encodeBlockId({ owner: put, kind: "b", seq: 1, payload: "" }), size: 5 },
      { name: encodeBlockId({ owner: other, kind: "x", seq: 0, payload: "" }), size: 1 },
    ];
    const sessions = sessionsOf(blocks);
    expect([...sessions.keys()].sort()).toEqual([owner, other].sort());
    const session = sessions.get(owner)!;
    expect(session.record).toEqual(record);
    expect(session.aborted).toBe(false);
    expect([...session.parts.entries()].map(([number, part]) => [number, part.nonce, part.size])).toEqual([
      [1, "000000003aaaaaaaaaaa", 30],
      [2, "000000001bbbbbbbbbbb", 0],
    ]);
    expect(sessions.get(other)).toEqual({ record: undefined, aborted: true, parts: new Map() });
  });
});
