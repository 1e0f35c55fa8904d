import { compareUtf8 } from "@stowage/core";

/** A place in a `SortedKeys`: the key at `offset` in block number `block`. */
export interface KeyPosition {
  block: number;
  offset: number;
}

const maxBlockLength = 512;

/**
 * Keys kept in UTF-8 byte order, so a listing page costs a binary search plus
 * the page, never a scan and sort of every key.
 *
 * The keys live in sorted blocks of at most 512 keys (every key of a block
 * sorts before every key of the next), so an insert or a removal moves at
 * most one block's worth of entries instead of shifting the whole index.
 */
export class SortedKeys {
  private readonly blocks: string[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The position of the first key that is not below `key`. */
  lowerBound(key: string): KeyPosition {
    return this.firstWhere((candidate) => compareUtf8(candidate, key) >= 0);
  }

  /** The position of the first key after `key`. */
  upperBound(key: string): KeyPosition {
    return this.firstWhere((candidate) => compareUtf8(candidate, key) > 0);
  }

  /** The position of the first key after every key that starts with `prefix` (and after `prefix` itself). */
  afterPrefix(prefix: string): KeyPosition {
    return this.firstWhere((candidate) => !candidate.startsWith(prefix) && compareUtf8(candidate, prefix) > 0);
  }

  /** The key at `position`, or `undefined` past the end. */
  at(position: KeyPosition): string | undefined {
    return this.blocks[position.block]?.[position.offset];
  }

  /** Moves `position` to the next key, in place. */
  advance(position: KeyPosition): void {
    position.offset++;
    if (position.offset >= this.blocks[position.block]!.length) {
      position.block++;
      position.offset = 0;
    }
  }

  insert(key: string): void {
    if (this.blocks.length === 0) {
      this.blocks.push([key]);
      this.count++;
      return;
    }
    let { block, offset } = this.lowerBound(key);
    if (block === this.blocks.length) {
      block--;
      offset = this.blocks[block]!.length;
    }
    const keys = this.blocks[block]!;
    if (keys[offset] === key) return;
    keys.splice(offset, 0, key);
    this.count++;
    if (keys.length > maxBlockLength) this.blocks.splice(block + 1, 0, keys.splice(keys.length >> 1));
  }

  remove(key: string): void {
    const { block, offset } = this.lowerBound(key);
    const keys = this.blocks[block];
    if (keys === undefined || keys[offset] !== key) return;
    keys.splice(offset, 1);
    this.count--;
    if (keys.length === 0) this.blocks.splice(block, 1);
  }

  /** The first position whose key satisfies `test`, which must be false for a prefix of the keys and true after. */
  private firstWhere(test: (key: string) => boolean): KeyPosition {
    const blocks = this.blocks;
    let low = 0;
    let high = blocks.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const keys = blocks[middle]!;
      if (test(keys[keys.length - 1]!)) high = middle;
      else low = middle + 1;
    }
    if (low === blocks.length) return { block: low, offset: 0 };
    const keys = blocks[low]!;
    let start = 0;
    let end = keys.length - 1;
    while (start < end) {
      const middle = (start + end) >>> 1;
      if (test(keys[middle]!)) end = middle;
      else start = middle + 1;
    }
    return { block: low, offset: start };
  }
}

/** Orders two positions. */
export function comparePositions(a: KeyPosition, b: KeyPosition): number {
  return a.block === b.block ? a.offset - b.offset : a.block - b.block;
}
