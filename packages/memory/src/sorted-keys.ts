import { compareUtf8 } from "@stowage/core";

/**
 * Keys kept in UTF-8 byte order, so a listing page costs a binary search plus
 * the page, never a scan and sort of every key.
 */
export class SortedKeys {
  private readonly keys: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  /** The index of the first key that is not below `key`. */
  lowerBound(key: string): number {
    let low = 0;
    let high = this.keys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareUtf8(this.keys[middle]!, key) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The index of the first key after every key that starts with `prefix` (and after `prefix` itself). */
  afterPrefix(prefix: string): number {
    let low = this.lowerBound(prefix);
    let high = this.keys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.keys[middle]!.startsWith(prefix)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  at(index: number): string | undefined {
    return this.keys[index];
  }

  insert(key: string): void {
    const index = this.lowerBound(key);
    if (this.keys[index] !== key) this.keys.splice(index, 0, key);
  }

  remove(key: string): void {
    const index = this.lowerBound(key);
    if (this.keys[index] === key) this.keys.splice(index, 1);
  }
}
