/**
 * The buffers a multipart upload assembles its parts in: at most `capacity`
 * arrays of `partSize` bytes, allocated only when needed and reused once the
 * part sent from them has settled. A reader that finds none free waits for
 * one (the upload's back-pressure). After `close`, nothing is handed out or
 * reused, so bytes still being sent (or retried) stay intact.
 */
export class PartBufferPool {
  private readonly free: Uint8Array[] = [];
  private readonly own = new WeakSet<Uint8Array>();
  private readonly waiting: { resolve: (buffer: Uint8Array) => void; reject: (reason: unknown) => void }[] = [];
  private created = 0;
  private closed: { reason: unknown } | undefined;

  constructor(
    readonly partSize: number,
    readonly capacity: number,
  ) {}

  /** How many `partSize` arrays the pool has allocated. */
  get allocated(): number {
    return this.created;
  }

  /**
   * A buffer for a part of `length` bytes (at most `partSize`): a free one,
   * else a new one while fewer than `capacity` exist, else the next one
   * released. A short part (the last) gets an array of its own size rather
   * than a new pooled one; `isPooled` tells them apart.
   */
  acquire(length: number = this.partSize): Promise<Uint8Array> {
    if (this.closed !== undefined) return Promise.reject(this.closed.reason);
    const buffer = this.free.pop();
    if (buffer !== undefined) return Promise.resolve(buffer);
    if (length < this.partSize) return Promise.resolve(new Uint8Array(length));
    if (this.created < this.capacity) {
      this.created++;
      const created = new Uint8Array(this.partSize);
      this.own.add(created);
      return Promise.resolve(created);
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** True when `buffer` is one of the pool's arrays (so it must be released). */
  isPooled(buffer: Uint8Array): boolean {
    return this.own.has(buffer);
  }

  /** Gives a buffer back, once nothing reads it any more; dropped after `close`. */
  release(buffer: Uint8Array): void {
    if (this.closed !== undefined || !this.isPooled(buffer)) return;
    const next = this.waiting.shift();
    if (next !== undefined) next.resolve(buffer);
    else this.free.push(buffer);
  }

  /** Stops handing out and reusing buffers; readers waiting for one reject with `reason`. */
  close(reason: unknown): void {
    if (this.closed !== undefined) return;
    this.closed = { reason };
    this.free.length = 0;
    for (const waiter of this.waiting.splice(0)) waiter.reject(reason);
  }
}
