import { describe, expect, it } from "vitest";
import { compareUtf8, utf8Length } from "@stowage/core";

const utf8 = new TextEncoder();

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    if (a[index] !== b[index]) return a[index]! - b[index]!;
  }
  return a.length - b.length;
}

// Code points from every UTF-8 length class and around the UTF-16 trouble
// spot: U+D7FF, U+E000-U+FFFF (one code unit, above the surrogates) and
// astral characters (two code units starting at 0xD800).
const pool = [
  0x00, 0x20, 0x2f, 0x41, 0x61, 0x7e, 0x7f, 0x80, 0xe9, 0x7ff, 0x800, 0x4e2d, 0xd7ff, 0xe000, 0xf8ff, 0xfb01, 0xfeff,
  0xfffd, 0xffff, 0x10000, 0x1f600, 0x1f389, 0x20000, 0x10ffff,
];

function randomString(next: () => number): string {
  const length = Math.floor(next() * 6);
  let text = "";
  for (let index = 0; index < length; index++) {
    const base = pool[Math.floor(next() * pool.length)]!;
    let codePoint = next() < 0.7 ? base : Math.min(0x10ffff, base + Math.floor(next() * 3));
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) codePoint = base; // no lone surrogates here
    text += String.fromCodePoint(codePoint);
  }
  return text;
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x100000000;
  };
}

describe("compareUtf8", () => {
  it("orders random strings (with astral characters) exactly like their TextEncoder bytes", () => {
    const next = seeded(42);
    for (let round = 0; round < 20_000; round++) {
      const a = randomString(next);
      const b = next() < 0.2 ? a + randomString(next) : randomString(next);
      expect(Math.sign(compareUtf8(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(
        Math.sign(compareBytes(utf8.encode(a), utf8.encode(b))),
      );
    }
  });

  it("sorts a list like sorting by TextEncoder bytes, which differs from the default UTF-16 sort", () => {
    const next = seeded(7);
    const keys = Array.from({ length: 2000 }, () => randomString(next));
    const byBytes = keys
      .map((key) => ({ key, bytes: utf8.encode(key) }))
      .sort((x, y) => compareBytes(x.bytes, y.bytes))
      .map((entry) => entry.key);
    expect([...keys].sort(compareUtf8)).toEqual(byBytes);
    expect([...keys].sort()).not.toEqual(byBytes);
  });

  it("puts U+1F600 after U+FFFD, unlike <", () => {
    expect("😀" < "\ufffd").toBe(true);
    expect(compareUtf8("😀", "\ufffd")).toBeGreaterThan(0);
    expect(compareUtf8("\ufffd", "😀")).toBeLessThan(0);
    expect(compareUtf8("a", "a")).toBe(0);
    expect(compareUtf8("a", "ab")).toBeLessThan(0);
    expect(compareUtf8("t-/", "t/")).toBeLessThan(0);
  });
});

describe("utf8Length", () => {
  it("agrees with TextEncoder on random strings, including lone surrogates", () => {
    const next = seeded(9);
    for (let round = 0; round < 5000; round++) {
      let text = randomString(next);
      if (next() < 0.2) text += next() < 0.5 ? "\ud800" : "\udc00x";
      expect(utf8Length(text), JSON.stringify(text)).toBe(utf8.encode(text).length);
    }
  });
});
