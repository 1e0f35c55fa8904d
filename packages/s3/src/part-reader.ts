import type { PartBufferPool } from "./part-buffer-pool.js";

/** One part cut from the body: its bytes, and the pooled buffer they are in (if any). */
export interface Part {
  readonly bytes: Uint8Array;
  /** The pool's buffer holding `bytes`, to release once the part's send settled. */
  readonly buffer?: Uint8Array;
}

/**
 * Cuts a byte stream into parts. It reads ahead only as far as it must, so a
 * part is copied once, into a reused buffer (or not at all when one chunk is
 * the whole part).
 */
export class PartReader {
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private ended = false;

  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** True once the stream ended cleanly and every byte was handed out. */
  get finished(): boolean {
    return this.ended && this.queued === 0;
  }

  /** Bytes read but not handed out yet. */
  get buffered(): number {
    return this.queued;
  }

  /**
   * Reads until more than `limit` bytes are buffered or the stream ends.
   * Returns true when the stream ended (cleanly) within the limit.
   */
  async fill(limit: number): Promise<boolean> {
    while (!this.ended && this.queued <= limit) {
      const result = await this.reader.read();
      if (result.done) {
        this.ended = true;
        break;
      }
      if (result.value.byteLength === 0) continue;
      this.queue.push(result.value);
      this.queued += result.value.byteLength;
    }
    return this.ended;
  }

  /** Takes up to `size` buffered bytes as one array. */
  take(size: number): Uint8Array {
    const length = Math.min(size, this.queued);
    if (length === 0) return new Uint8Array(0);
    const first = this.queue[0];
    if (first.byteLength === length) {
      this.queue.shift();
      this.queued -= length;
      return first;
    }
    if (first.byteLength > length) {
      this.queue[0] = first.subarray(length);
      this.queued -= length;
      return first.subarray(0, length);
    }
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const chunk = this.queue[0];
      const count = Math.min(chunk.byteLength, length - filled);
      out.set(count === chunk.byteLength ? chunk : chunk.subarray(0, count), filled);
      filled += count;
      if (count === chunk.byteLength) this.queue.shift();
      else this.queue[0] = chunk.subarray(count);
    }
    this.queued -= length;
    return out;
  }

  /**
   * The next part of `pool.partSize` bytes (the last one shorter), or
   * undefined at the end. When one chunk holds the whole part it is handed
   * out as is; otherwise the part is copied into a buffer from `pool` (waiting
   * for one to be free) as its chunks arrive, and `buffer` is that buffer, to
   * be released once nothing reads the part any more.
   */
  async nextPart(pool: PartBufferPool): Promise<Part | undefined> {
    const partSize = pool.partSize;
    if (this.queued === 0) await this.readChunk();
    if (this.queued === 0) return undefined;
    if (this.queue[0].byteLength >= partSize || (this.ended && this.queue.length === 1)) return { bytes: this.take(partSize) };
    const target = await pool.acquire(this.ended ? Math.min(this.queued, partSize) : partSize);
    let filled = this.drainInto(target, 0);
    while (filled < target.byteLength && (await this.readChunk())) filled = this.drainInto(target, filled);
    return { bytes: filled === target.byteLength ? target : target.subarray(0, filled), buffer: pool.isPooled(target) ? target : undefined };
  }

  /** Reads one chunk into the queue; false once the stream ended. */
  private async readChunk(): Promise<boolean> {
    while (!this.ended) {
      const result = await this.reader.read();
      if (result.done) {
        this.ended = true;
        break;
      }
      if (result.value.byteLength === 0) continue;
      this.queue.push(result.value);
      this.queued += result.value.byteLength;
      return true;
    }
    return false;
  }

  /** Moves queued bytes into `target` from `offset` on; returns how far it is filled. */
  private drainInto(target: Uint8Array, offset: number): number {
    let filled = offset;
    while (filled < target.byteLength && this.queue.length > 0) {
      const chunk = this.queue[0];
      const count = Math.min(chunk.byteLength, target.byteLength - filled);
      target.set(count === chunk.byteLength ? chunk : chunk.subarray(0, count), filled);
      filled += count;
      this.queued -= count;
      if (count === chunk.byteLength) this.queue.shift();
      else this.queue[0] = chunk.subarray(count);
    }
    return filled;
  }

  /** Stops reading, for example after an upload failed. */
  async cancel(reason: unknown): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.queued = 0;
    await this.reader.cancel(reason).catch(() => {});
  }
}
