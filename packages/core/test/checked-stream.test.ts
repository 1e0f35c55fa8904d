import { describe, expect, it } from "vitest";
import { Sha256, StorageError, isStorageError, readAll } from "@stowage/core";
import { CheckedStream } from "../src/checked-stream.js";

const encoder = new TextEncoder();

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index < chunks.length) controller.enqueue(chunks[index++]!);
      else controller.close();
    },
  });
}

const hello = [encoder.encode("hello "), encoder.encode("world")];
const helloSha = new Sha256().update(encoder.encode("hello world")).digestHex();

async function failureOf(stream: ReadableStream<Uint8Array>): Promise<StorageError> {
  try {
    await readAll(stream);
  } catch (error) {
    expect(isStorageError(error)).toBe(true);
    return error as StorageError;
  }
  throw new Error("the stream ended without an error");
}

describe("CheckedStream", () => {
  it("passes a body that matches its size and sha256 through unchanged", async () => {
    const checked = new CheckedStream(streamOf(hello), { size: 11, sha256: helloSha });
    expect(new TextDecoder().decode(await readAll(checked.stream))).toBe("hello world");
    expect(checked.bytesRead).toBe(11);
    expect(checked.failure).toBeUndefined();
  });

  it("passes an empty body with size 0", async () => {
    const checked = new CheckedStream(streamOf([]), { size: 0 });
    expect((await readAll(checked.stream)).byteLength).toBe(0);
    expect(checked.failure).toBeUndefined();
  });

  it("errors with InvalidArgument when the body is shorter than size", async () => {
    const checked = new CheckedStream(streamOf(hello), { size: 12 });
    const error = await failureOf(checked.stream);
    expect(error.code).toBe("InvalidArgument");
    expect(checked.failure).toBe(error);
  });

  it("errors with InvalidArgument as soon as the body is longer than size, and cancels the source", async () => {
    let pulls = 0;
    let cancelled = false;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(new Uint8Array(8));
      },
      cancel() {
        cancelled = true;
      },
    });
    const checked = new CheckedStream(source, { size: 20 });
    const error = await failureOf(checked.stream);
    expect(error.code).toBe("InvalidArgument");
    expect(checked.bytesRead).toBe(24);
    expect(pulls).toBeLessThan(6);
    expect(cancelled).toBe(true);
  });

  it("errors with ChecksumMismatch when the digest differs", async () => {
    const checked = new CheckedStream(streamOf(hello), { sha256: "0".repeat(64) });
    const error = await failureOf(checked.stream);
    expect(error.code).toBe("ChecksumMismatch");
    expect(error.message).toContain(helloSha);
  });

  it("errors with Aborted when the signal aborts midway, keeping the reason as cause", async () => {
    const controller = new AbortController();
    let cancelReason: unknown;
    const source = new ReadableStream<Uint8Array>({
      pull(streamController) {
        streamController.enqueue(new Uint8Array(4));
      },
      cancel(reason) {
        cancelReason = reason;
      },
    });
    const checked = new CheckedStream(source, { signal: controller.signal });
    const reader = checked.stream.getReader();
    await reader.read();
    await reader.read();
    const reason = new Error("user gave up");
    controller.abort(reason);
    let thrown: unknown;
    try {
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
      }
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StorageError);
    expect((thrown as StorageError).code).toBe("Aborted");
    expect((thrown as StorageError).cause).toBe(reason);
    expect(checked.failure).toBe(thrown);
    expect(cancelReason).toBe(thrown);
  });

  it("errors with Aborted at once when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const checked = new CheckedStream(streamOf(hello), { signal: controller.signal });
    expect((await failureOf(checked.stream)).code).toBe("Aborted");
    expect(checked.bytesRead).toBe(0);
  });

  it("turns a source error into Aborted with the source error as cause", async () => {
    const boom = new Error("disk fell off");
    let sent = false;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(new Uint8Array(3));
        } else controller.error(boom);
      },
    });
    const checked = new CheckedStream(source, {});
    const error = await failureOf(checked.stream);
    expect(error.code).toBe("Aborted");
    expect(error.cause).toBe(boom);
  });

  it("passes a StorageError from the source through unchanged", async () => {
    const original = new StorageError("TooLarge", "too big upstream");
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(original);
      },
    });
    const checked = new CheckedStream(source, {});
    expect(await failureOf(checked.stream)).toBe(original);
  });

  it("refuses chunks that are not Uint8Array", async () => {
    const source = new ReadableStream<unknown>({
      start(controller) {
        controller.enqueue("text is not bytes");
        controller.close();
      },
    }) as ReadableStream<Uint8Array>;
    const checked = new CheckedStream(source, {});
    expect((await failureOf(checked.stream)).code).toBe("InvalidArgument");
  });

  it("cancels the source when the reader cancels", async () => {
    let cancelReason: unknown;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(1));
      },
      cancel(reason) {
        cancelReason = reason;
      },
    });
    const checked = new CheckedStream(source, {});
    const reader = checked.stream.getReader();
    await reader.read();
    await reader.cancel("enough");
    expect(cancelReason).toBe("enough");
  });
});
