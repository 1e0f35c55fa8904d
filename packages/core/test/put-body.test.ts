import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createStorage, isStorageError } from "@stowage/core";
import { mapDriver } from "./map-driver.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("put with AsyncIterable bodies", () => {
  it("stores a Node Readable's bytes", async () => {
    const storage = createStorage(mapDriver());
    await storage.put("a", Readable.from([Buffer.from("hel"), Buffer.from("lo")]));
    expect(await (await storage.get("a"))!.text()).toBe("hello");
  });

  it("stores an async generator's bytes and checks size", async () => {
    const storage = createStorage(mapDriver());
    async function* chunks() {
      yield bytes("ab");
      yield bytes("c");
    }
    const info = await storage.put("g", chunks(), { size: 3 });
    expect(info.size).toBe(3);
    const error = await rejection(storage.put("g", chunks(), { size: 4 }));
    expect(isStorageError(error) && error.code).toBe("InvalidArgument");
    expect(await (await storage.get("g"))!.text()).toBe("abc");
  });

  it("a generator that throws midway stores nothing and keeps the previous object", async () => {
    const storage = createStorage(mapDriver());
    await storage.put("k", "previous");
    const boom = new Error("disk gone");
    async function* failing() {
      yield bytes("new ");
      throw boom;
    }
    const error = await rejection(storage.put("k", failing()));
    expect(isStorageError(error) && error.code).toBe("Aborted");
    expect((error as Error).cause).toBe(boom);
    expect(await (await storage.get("k"))!.text()).toBe("previous");
  });

  it("pulls one chunk per read: nothing is read ahead of the driver", async () => {
    let produced = 0;
    let consumedAtThirdChunk = -1;
    async function* counting() {
      for (let index = 0; index < 5; index++) {
        produced++;
        yield bytes("x");
      }
    }
    const storage = createStorage({
      ...mapDriver(),
      async put(_key, body, options) {
        const reader = (body as ReadableStream<Uint8Array>).getReader();
        let consumed = 0;
        for (;;) {
          const { done } = await reader.read();
          if (done) break;
          consumed++;
          if (consumed === 3) consumedAtThirdChunk = produced;
        }
        return { key: "s", size: consumed, etag: "e", lastModified: new Date(), contentType: options.contentType, metadata: {} };
      },
    });
    await storage.put("s", counting());
    expect(consumedAtThirdChunk).toBeLessThanOrEqual(4);
  });

  it("a refused body (size mismatch) destroys the Node Readable", async () => {
    const storage = createStorage(mapDriver());
    const readable = Readable.from([Buffer.from("toolong")]);
    const error = await rejection(storage.put("r", readable, { size: 2 }));
    expect(isStorageError(error) && error.code).toBe("InvalidArgument");
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(readable.destroyed).toBe(true);
  });

  it("string chunks are refused with a hint about setEncoding", async () => {
    const storage = createStorage(mapDriver());
    const readable = Readable.from(["text"], { objectMode: true });
    const error = await rejection(storage.put("s", readable));
    expect(isStorageError(error) && error.code).toBe("InvalidArgument");
    expect((error as Error).message).toContain("setEncoding");
  });
});

describe("a Blob body's type", () => {
  it("is the default content type", async () => {
    const storage = createStorage(mapDriver());
    const info = await storage.put("b", new Blob(["a,b"], { type: "text/csv" }));
    expect(info.contentType).toBe("text/csv");
    expect((await storage.head("b"))!.contentType).toBe("text/csv");
  });

  it("loses to an explicit contentType, and an untyped Blob is octet-stream", async () => {
    const storage = createStorage(mapDriver());
    expect((await storage.put("b", new Blob(["x"], { type: "text/csv" }), { contentType: "text/plain" })).contentType).toBe("text/plain");
    expect((await storage.put("c", new Blob(["x"]))).contentType).toBe("application/octet-stream");
  });
});
