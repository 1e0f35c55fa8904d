import { readdir } from "node:fs/promises";
import { createStorage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { namesIn, removeRoot, tempRoot } from "./temp-root.js";

/** 0, 1, 2, ... 250, 0, 1, ...: every offset is recognisable. */
function pattern(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = index % 251;
  return bytes;
}

async function readStream(stream: ReadableStream<Uint8Array>): Promise<{ bytes: Uint8Array; chunks: number }> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (let step = await reader.read(); !step.done; step = await reader.read()) parts.push(step.value);
  return { bytes: new Uint8Array(Buffer.concat(parts)), chunks: parts.length };
}

describe("streamed bodies", () => {
  let root: string;
  beforeEach(async () => {
    root = await tempRoot("streaming");
  });
  afterEach(() => removeRoot(root));

  it("large bodies and ranges stream in chunks with the right bytes at every offset", async () => {
    const storage = createStorage(fsDriver({ root, cleanupOnStart: false }));
    const body = pattern(3 * 1024 * 1024 + 12345);
    await storage.put("big", body);
    const whole = await readStream((await storage.get("big"))!.body);
    expect(whole.chunks).toBeGreaterThan(10);
    expect(Buffer.from(whole.bytes).equals(Buffer.from(body))).toBe(true);
    const ranges: Array<{ offset: number; length?: number } | { suffix: number }> = [
      { offset: 1, length: 2 * 1024 * 1024 },
      { offset: 65_536 - 7, length: 1_500_000 },
      { offset: 3 * 1024 * 1024 },
      { suffix: 1_234_567 },
    ];
    for (const range of ranges) {
      const object = (await storage.get("big", { range }))!;
      const start = "suffix" in range ? body.byteLength - range.suffix : range.offset;
      const end = !("suffix" in range) && range.length !== undefined ? start + range.length : body.byteLength;
      expect(object.range).toEqual({ offset: start, length: end - start });
      const { bytes } = await readStream(object.body);
      expect(Buffer.from(bytes).equals(Buffer.from(body.subarray(start, end))), JSON.stringify(range)).toBe(true);
    }
  });

  it("a body stream cancelled midway closes its file; the object can still be replaced and deleted", async () => {
    const storage = createStorage(fsDriver({ root, cleanupOnStart: false }));
    await storage.put("dir/big", pattern(4 * 1024 * 1024));
    const reader = (await storage.get("dir/big"))!.body.getReader();
    await reader.read();
    await reader.cancel();
    const descriptors = await readdir("/proc/self/fd").catch(() => [] as string[]);
    await storage.put("dir/big", "small");
    expect(await (await storage.get("dir/big"))!.text()).toBe("small");
    await storage.delete("dir/big");
    expect(await namesIn(root)).toEqual([]);
    // No descriptor of this test's files stays open (the root itself is held open by the driver).
    if (descriptors.length > 0) {
      const { readlink } = await import("node:fs/promises");
      const targets = await Promise.all(descriptors.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => "")));
      expect(targets.filter((target) => target.startsWith(`${root}/`))).toEqual([]);
      expect(targets.filter((target) => target === root).length).toBeGreaterThan(0);
    }
  });

  it("a put stream that errors midway leaves the old value and no temporary file", async () => {
    const storage = createStorage(fsDriver({ root, cleanupOnStart: false }));
    await storage.put("k", "old");
    let sent = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ === 40) controller.error(new Error("network gone"));
        else controller.enqueue(new Uint8Array(64 * 1024));
      },
    });
    await expect(storage.put("k", failing)).rejects.toMatchObject({ code: "Aborted" });
    expect(await (await storage.get("k"))!.text()).toBe("old");
    expect(await namesIn(root)).toEqual(["k"]);
  });
});
