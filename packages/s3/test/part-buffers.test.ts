// How a streamed put assembles its parts, without a server: a fake client
// records each UploadPart's body, holds sends pending, and re-reads a body
// when the send settles (as an SDK retry would).
import { describe, expect, it } from "vitest";
import type { S3Client } from "@aws-sdk/client-s3";
import type { DriverPutOptions } from "@stowage/core";
import { PartBufferPool } from "../src/part-buffer-pool.ts";
import { putObject } from "../src/put-object.ts";
import { s3Profiles } from "../src/s3-profiles.ts";
import type { S3Writer } from "../src/s3-writer.ts";
import { UploadRegistry } from "../src/upload-registry.ts";

const mebibyte = 1024 * 1024;
const partSize = 5 * mebibyte;
/** An odd chunk size, so parts straddle chunks. */
const chunkSize = 1_000_003;

/** `size` bytes in chunks of `chunkSize`, chunk k filled with k % 251; counts the bytes pulled. */
function countedStream(size: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let produced = 0;
  let index = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (produced >= size) return controller.close();
        const length = Math.min(chunkSize, size - produced);
        controller.enqueue(new Uint8Array(length).fill(index++ % 251));
        produced += length;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => produced };
}

/** The bytes countedStream puts at [start, start + length). */
function expectedBytes(start: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let offset = start; offset < start + length; ) {
    const chunk = Math.floor(offset / chunkSize);
    const end = Math.min(start + length, (chunk + 1) * chunkSize);
    out.fill(chunk % 251, offset - start, end - start);
    offset = end;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

interface SentPart {
  number: number;
  body: Uint8Array;
  /** The body matched the stream's bytes when sent, and again when the send settled. */
  intactAtSend: boolean;
  intactAtSettle?: boolean;
}

/** A writer over a fake client; `hold(number)` decides when UploadPart `number` settles. */
function fakeWriter(queueSize: number, hold: (number: number) => Promise<void>) {
  const sent: SentPart[] = [];
  const log: string[] = [];
  let completedParts: unknown;
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const name = command.constructor.name;
      log.push(name === "UploadPartCommand" ? `UploadPart ${command.input.PartNumber as number}` : name.replace(/Command$/, ""));
      if (name === "CreateMultipartUploadCommand") return { UploadId: "upload-1" };
      if (name === "UploadPartCommand") {
        const number = command.input.PartNumber as number;
        const body = command.input.Body as Uint8Array;
        const expected = expectedBytes((number - 1) * partSize, body.byteLength);
        const part: SentPart = { number, body, intactAtSend: sameBytes(body, expected) };
        sent.push(part);
        try {
          await hold(number);
        } finally {
          part.intactAtSettle = sameBytes(body, expected);
          log.push(`settled ${number}`);
        }
        return { ETag: `"etag-${number}"` };
      }
      if (name === "CompleteMultipartUploadCommand") {
        completedParts = (command.input.MultipartUpload as { Parts: unknown }).Parts;
        return { ETag: '"0123456789abcdef0123456789abcdef-2"' };
      }
      if (name === "AbortMultipartUploadCommand") return {};
      throw new Error(`unexpected ${name}`);
    },
  } as unknown as S3Client;
  const writer = {
    client,
    bucket: "bucket",
    profile: s3Profiles.aws,
    multipartThreshold: partSize,
    partSize,
    queueSize,
    conditionalPutLimit: 64 * mebibyte,
    multipartCopyThreshold: 5 * 1024 * mebibyte,
  } as Omit<S3Writer, "uploads"> as S3Writer;
  (writer as { uploads: UploadRegistry }).uploads = new UploadRegistry(writer, 1000);
  return { writer, sent, log, completedParts: () => completedParts };
}

const putOptions: DriverPutOptions = { contentType: "application/octet-stream", metadata: {} };

function distinctBuffers(parts: SentPart[]): number {
  return new Set(parts.map((part) => part.body.buffer)).size;
}

describe("part buffers of a streamed multipart put", () => {
  it("assembles 20 parts in at most queueSize + 1 buffers, every part intact", async () => {
    const queueSize = 4;
    const { writer, sent, completedParts } = fakeWriter(queueSize, () => new Promise((resolve) => setTimeout(resolve, 1)));
    const size = 20 * partSize - 12345;
    const info = await putObject(writer, "big", countedStream(size).stream, putOptions);
    expect(info.size).toBe(size);
    expect(sent.map((part) => part.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((completedParts() as unknown[]).length).toBe(20);
    expect(sent.every((part) => part.intactAtSend && part.intactAtSettle)).toBe(true);
    // Without the pool, each part is a new array: 20 of them.
    expect(distinctBuffers(sent)).toBeLessThanOrEqual(queueSize + 1);
  });

  it("keeps a pending part's bytes intact (re-read when it settles) while the reader goes on in the other buffers", async () => {
    const queueSize = 2;
    const releases = new Map<number, () => void>();
    const { writer, sent } = fakeWriter(queueSize, (number) => {
      // Part 1 answers only at the end (its bytes are re-read then); the others at once.
      if (number !== 1) return Promise.resolve();
      return new Promise((resolve) => releases.set(number, resolve));
    });
    const source = countedStream(12 * partSize);
    const put = putObject(writer, "late", source.stream, putOptions);
    // With part 1 pending, the other slot keeps sending while the reader
    // continues: it reuses every buffer but part 1's.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sent.length).toBe(12);
    expect(releases.has(1)).toBe(true);
    releases.get(1)!();
    await put;
    const first = sent.find((part) => part.number === 1)!;
    expect(first.intactAtSend).toBe(true);
    expect(first.intactAtSettle).toBe(true);
    expect(sent.every((part) => part.intactAtSend && part.intactAtSettle)).toBe(true);
    expect(distinctBuffers(sent)).toBeLessThanOrEqual(queueSize + 1);
  });

  it("waits for a free buffer: with every send pending, the stream is read only a few parts ahead", async () => {
    const queueSize = 2;
    const pending: (() => void)[] = [];
    const { writer, sent } = fakeWriter(queueSize, () => new Promise((resolve) => pending.push(resolve)));
    const source = countedStream(10 * partSize);
    const put = putObject(writer, "stalled", source.stream, putOptions);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sent.length).toBe(queueSize);
    // queueSize parts in flight, one more being read, and at most one chunk over.
    expect(source.pulled()).toBeLessThanOrEqual((queueSize + 1) * partSize + chunkSize);
    while (sent.length < 10 || pending.length > 0) {
      pending.splice(0).forEach((resolve) => resolve());
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await put;
    expect(sent.every((part) => part.intactAtSend && part.intactAtSettle)).toBe(true);
  });

  it("after a part fails, reuses no buffer and aborts the upload only once every send settled", async () => {
    const queueSize = 3;
    let releaseFirst: (() => void) | undefined;
    const failure = new Error("part 2 failed");
    const { writer, sent, log } = fakeWriter(queueSize, (number) => {
      if (number === 1) return new Promise((resolve) => (releaseFirst = resolve));
      if (number === 2) return new Promise((_, reject) => setTimeout(() => reject(failure), 20));
      return new Promise((resolve) => setTimeout(resolve, 60));
    });
    const put = putObject(writer, "failing", countedStream(12 * partSize).stream, putOptions);
    const settled = put.then(
      () => undefined,
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(log).not.toContain("AbortMultipartUpload");
    releaseFirst!();
    expect(((await settled) as Error).message).toMatch(/part 2 failed/);
    expect(log.indexOf("AbortMultipartUpload")).toBeGreaterThan(log.indexOf("settled 1"));
    expect(log).not.toContain("CompleteMultipartUpload");
    // Nothing was read into a buffer once the failure was seen, so every part sent stayed intact.
    expect(sent.every((part) => part.intactAtSend && part.intactAtSettle)).toBe(true);
    // No part is sent once one failed (part 4, read meanwhile, stays unsent).
    expect(sent.map((part) => part.number)).toEqual([1, 2, 3]);
    expect(distinctBuffers(sent)).toBe(3);
  });

  it("sends a part that is one whole chunk without copying it", async () => {
    const { writer, sent } = fakeWriter(2, () => Promise.resolve());
    const body = new Uint8Array(3 * partSize);
    for (let i = 0; i < 3; i++) body.fill(7 + i, i * partSize, (i + 1) * partSize);
    await putObject(writer, "bytes", body, putOptions);
    expect(sent.length).toBe(3);
    expect(sent.every((part) => part.body.buffer === body.buffer)).toBe(true);
  });
});

describe("PartBufferPool", () => {
  it("allocates lazily, up to its capacity, and reuses released buffers", async () => {
    const pool = new PartBufferPool(16, 2);
    expect(pool.allocated).toBe(0);
    const a = await pool.acquire();
    expect(pool.allocated).toBe(1);
    const b = await pool.acquire();
    expect(pool.allocated).toBe(2);
    let third: Uint8Array | undefined;
    const waiting = pool.acquire().then((buffer) => (third = buffer));
    await Promise.resolve();
    expect(third).toBeUndefined();
    pool.release(a);
    await waiting;
    expect(third).toBe(a);
    expect(pool.allocated).toBe(2);
    pool.release(b);
    expect(await pool.acquire()).toBe(b);
  });

  it("gives a short last part an array of its own size rather than a new pooled one", async () => {
    const pool = new PartBufferPool(16, 2);
    const short = await pool.acquire(5);
    expect(short.byteLength).toBe(5);
    expect(pool.allocated).toBe(0);
    expect(pool.isPooled(short)).toBe(false);
    pool.release(short);
    const full = await pool.acquire();
    expect(full.byteLength).toBe(16);
    pool.release(full);
    expect(await pool.acquire(5)).toBe(full);
  });

  it("after close, rejects waiting and new readers and reuses nothing", async () => {
    const pool = new PartBufferPool(16, 1);
    const a = await pool.acquire();
    const waiting = pool.acquire();
    const reason = new Error("part failed");
    pool.close(reason);
    await expect(waiting).rejects.toBe(reason);
    pool.release(a);
    await expect(pool.acquire()).rejects.toBe(reason);
  });
});
