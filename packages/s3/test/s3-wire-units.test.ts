// The driver's wire helpers, without a server: what they must do for
// behaviour neither test server shows (AWS writes a space in a URL-encoded
// listing as "+"; RGW and Swift honour Range on non-empty objects).
import { describe, expect, it } from "vitest";
import { rangeHeader, selectRange, sliceBody } from "../src/ignored-range.ts";
import { decodeListedName } from "../src/list-objects.ts";

function streamOf(chunks: number[][]): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let index = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index === chunks.length) return controller.close();
      controller.enqueue(new Uint8Array(chunks[index++]!));
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(...value);
  }
}

describe("a range the server ignored", () => {
  it("selects what the contract says: clamped lengths, long suffixes, nothing past the end or of an empty object", () => {
    expect(selectRange({ offset: 2, length: 3 }, 10)).toEqual({ offset: 2, length: 3 });
    expect(selectRange({ offset: 8, length: 5 }, 10)).toEqual({ offset: 8, length: 2 });
    expect(selectRange({ offset: 4 }, 10)).toEqual({ offset: 4, length: 6 });
    expect(selectRange({ suffix: 3 }, 10)).toEqual({ offset: 7, length: 3 });
    expect(selectRange({ suffix: 30 }, 10)).toEqual({ offset: 0, length: 10 });
    expect(selectRange({ offset: 10 }, 10)).toBeNull();
    expect(selectRange({ offset: 11, length: 1 }, 10)).toBeNull();
    expect(selectRange({ suffix: 1 }, 0)).toBeNull();
    expect(selectRange({ offset: 0 }, 0)).toBeNull();
  });

  it("sends the same Range header as before", () => {
    expect(rangeHeader(undefined)).toBeUndefined();
    expect(rangeHeader({ suffix: 4 })).toBe("bytes=-4");
    expect(rangeHeader({ offset: 3 })).toBe("bytes=3-");
    expect(rangeHeader({ offset: 3, length: 2 })).toBe("bytes=3-4");
  });

  it("cuts a body across chunk boundaries and cancels the rest", async () => {
    const source = streamOf([[0, 1, 2], [3, 4], [5, 6, 7, 8], [9]]);
    expect(await collect(sliceBody(source.stream, 2, 5))).toEqual([2, 3, 4, 5, 6]);
    expect(source.cancelled()).toBe(true);
    expect(await collect(sliceBody(streamOf([[0, 1, 2], [3, 4]]).stream, 3, 2))).toEqual([3, 4]);
    expect(await collect(sliceBody(streamOf([[0, 1, 2, 3, 4]]).stream, 0, 1))).toEqual([0]);
  });

  it("fails when the body ends before the range does", async () => {
    await expect(collect(sliceBody(streamOf([[0, 1]]).stream, 1, 5))).rejects.toThrow(/ended 4 bytes before/);
  });
});

describe("names in a listing with EncodingType=url", () => {
  it("decodes AWS's form (space as +, + as %2B) and RGW's and Swift's (%20)", () => {
    expect(decodeListedName("a+b%2Bc")).toBe("a b+c");
    expect(decodeListedName("a%20b%2Bc")).toBe("a b+c");
    expect(decodeListedName("q%2Fa%EF%BF%BFb")).toBe("q/a\uffffb");
    expect(decodeListedName("q/a%EF%BF%BFb")).toBe("q/a\uffffb");
    expect(decodeListedName("100%25.csv")).toBe("100%.csv");
    expect(decodeListedName("%ED%95%9C%EA%B8%80/x.txt")).toBe("한글/x.txt");
  });

  it("refuses a name that is not valid URL encoding with a StorageError", () => {
    expect(() => decodeListedName("bad%E0%A4")).toThrow(/not valid URL encoding/);
  });
});
