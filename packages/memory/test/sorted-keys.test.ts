import { describe, expect, it } from "vitest";
import { compareUtf8 } from "@stowage/core";
import { SortedKeys, comparePositions, type KeyPosition } from "../src/sorted-keys.js";

// A deterministic generator, so a failure reproduces.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 0x100000000;
  };
}

const alphabet = ["a", "b", "/", "-", "é", "\uffff", "😀", "z"];

function randomKey(next: () => number): string {
  let key = "";
  const length = 1 + Math.floor(next() * 6);
  for (let index = 0; index < length; index++) key += alphabet[Math.floor(next() * alphabet.length)];
  return key;
}

function contents(index: SortedKeys): string[] {
  const keys: string[] = [];
  const position = index.lowerBound("");
  for (let key = index.at(position); key !== undefined; key = index.at(position)) {
    keys.push(key);
    index.advance(position);
  }
  return keys;
}

function expectedIndex(reference: string[], test: (key: string) => boolean): number {
  const found = reference.findIndex(test);
  return found === -1 ? reference.length : found;
}

function positionToIndex(index: SortedKeys, target: KeyPosition): number {
  const position = index.lowerBound("");
  let count = 0;
  while (comparePositions(position, target) < 0 && index.at(position) !== undefined) {
    index.advance(position);
    count++;
  }
  return count;
}

describe("SortedKeys (the memory driver's list index)", () => {
  it("keeps UTF-8 byte order and no duplicates through random inserts and removals across many blocks", () => {
    const next = random(7);
    const index = new SortedKeys();
    const reference = new Set<string>();
    for (let step = 0; step < 20_000; step++) {
      const key = randomKey(next);
      if (next() < 0.7) {
        index.insert(key);
        reference.add(key);
      } else {
        index.remove(key);
        reference.delete(key);
      }
    }
    const sorted = [...reference].sort(compareUtf8);
    expect(sorted.length).toBeGreaterThan(1500);
    expect(index.size).toBe(sorted.length);
    expect(contents(index)).toEqual(sorted);
  });

  it("finds lowerBound, upperBound and afterPrefix like a linear search", () => {
    const next = random(11);
    const index = new SortedKeys();
    for (let step = 0; step < 3000; step++) index.insert(randomKey(next));
    const sorted = contents(index);
    for (let probe = 0; probe < 300; probe++) {
      const key = randomKey(next);
      expect(positionToIndex(index, index.lowerBound(key))).toBe(expectedIndex(sorted, (k) => compareUtf8(k, key) >= 0));
      expect(positionToIndex(index, index.upperBound(key))).toBe(expectedIndex(sorted, (k) => compareUtf8(k, key) > 0));
      expect(positionToIndex(index, index.afterPrefix(key))).toBe(
        expectedIndex(sorted, (k) => compareUtf8(k, key) > 0 && !k.startsWith(key)),
      );
    }
  });

  it("removes every key, leaving an empty index", () => {
    const index = new SortedKeys();
    const keys = Array.from({ length: 2000 }, (_, number) => `k${number}`);
    for (const key of keys) index.insert(key);
    for (const key of keys.reverse()) index.remove(key);
    expect(index.size).toBe(0);
    expect(index.at(index.lowerBound(""))).toBeUndefined();
    index.insert("again");
    expect(contents(index)).toEqual(["again"]);
  });
});
