import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createStorage, isStorageError } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";

// A real node:stream Readable as a put body. The conformance suite runs in
// workerd, Bun and Deno too, so it only uses an object of a Readable's shape.

function pattern(length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let index = 0; index < length; index++) out[index] = (index * 7 + 3) & 255;
  return out;
}

describe("a node:stream Readable body", () => {
  it("stores its bytes, including small pooled Buffers (views into a shared 8 KiB pool)", async () => {
    const storage = createStorage(memoryDriver());
    const whole = pattern(100_000);
    // Buffer.from(...) of small sizes is carved out of Node's shared pool, at a non-zero byteOffset.
    const small = Array.from({ length: 20 }, (_, index) => Buffer.from(whole.subarray(index * 100, index * 100 + 100)));
    expect(small.some((chunk) => chunk.byteOffset > 0)).toBe(true);
    await storage.put("pooled", Readable.from(small));
    expect(Buffer.from(await (await storage.get("pooled"))!.bytes()).equals(whole.subarray(0, 2000))).toBe(true);
    const info = await storage.put("large", Readable.from([whole.subarray(0, 60_000), whole.subarray(60_000)]), { contentType: "application/x-test" });
    expect(info.size).toBe(100_000);
    expect(Buffer.from(await (await storage.get("large"))!.bytes()).equals(whole)).toBe(true);
  });

  it("that errors midway rejects the put and leaves the previous object unchanged", async () => {
    const storage = createStorage(memoryDriver());
    const old = await storage.put("key", "the old value", { metadata: { v: "old" } });
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent++ < 3) this.push(pattern(16_384));
        else this.destroy(new Error("the disk went away"));
      },
    });
    let caught: unknown;
    try {
      await storage.put("key", failing);
    } catch (error) {
      caught = error;
    }
    expect(isStorageError(caught), String(caught)).toBe(true);
    const head = await storage.head("key");
    expect(head?.etag).toBe(old.etag);
    expect(head?.metadata).toEqual({ v: "old" });
    expect(await (await storage.get("key"))!.text()).toBe("the old value");
  });

  it("is destroyed when the put is refused before its body is read", async () => {
    const storage = createStorage(memoryDriver());
    await storage.put("taken", "x");
    const body = Readable.from([Buffer.from("never stored")]);
    await expect(storage.put("taken", body, { ifNotExists: true })).rejects.toMatchObject({ code: "AlreadyExists" });
    expect(await (await storage.get("taken"))!.text()).toBe("x");
  });
});
