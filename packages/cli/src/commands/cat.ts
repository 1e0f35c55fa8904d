import { StorageError, type ByteRange } from "@stowage/core";
import type { CommandModule } from "../command.js";
import { UsageError } from "../errors.js";
import { expectPositionals, openObjectLocation } from "../location-args.js";

/** `a-b` (inclusive, as HTTP), `a-` (to the end) or `-n` (the last n bytes). */
export function parseRange(text: string): ByteRange {
  const match = /^(\d*)-(\d*)$/.exec(text.trim());
  if (match === null || (match[1] === "" && match[2] === "")) {
    throw new UsageError(`--range takes a-b (inclusive), a- or -n (the last n bytes), not "${text}"`);
  }
  const [, first, last] = match;
  if (first === "") return { suffix: Number(last) };
  const offset = Number(first);
  if (last === "") return { offset };
  const end = Number(last);
  if (end < offset) throw new UsageError(`--range ${text}: the end comes before the start`);
  return { offset, length: end - offset + 1 };
}

/** Writes a chunk, waiting for the stream to drain when its buffer is full. */
function write(stream: NodeJS.WritableStream, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: unknown) => reject(error);
    stream.once("error", onError);
    const flushed = stream.write(chunk, (error) => {
      stream.off("error", onError);
      if (error) reject(error);
    });
    if (flushed) {
      stream.off("error", onError);
      resolve();
    } else {
      stream.once("drain", () => {
        stream.off("error", onError);
        resolve();
      });
    }
  });
}

/** `stowage cat URL#key [--range a-b]`: streams the object's bytes to stdout. */
export const command: CommandModule = {
  summary: "write an object's bytes (or a byte range) to stdout",
  usage: [
    "Usage: stowage cat [--range a-b] URL#key",
    "",
    "  --range a-b  bytes a to b inclusive; a- to the end; -n the last n bytes",
  ].join("\n"),
  options: { range: { type: "string" } },
  allowPositionals: true,
  async run(values, positionals, context) {
    expectPositionals(positionals, 1, 1, "cat");
    const range = typeof values.range === "string" ? parseRange(values.range) : undefined;
    const { storage, key } = await openObjectLocation(context, positionals[0], "cat");
    const object = await storage.get(key, { ...(range === undefined ? {} : { range }), signal: context.signal });
    if (object === null) throw new StorageError("NotFound", `${key} does not exist`, { key, operation: "get" });
    const reader = object.body.getReader();
    const cancel = () => void reader.cancel().catch(() => {});
    context.signal.addEventListener("abort", cancel, { once: true });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await write(context.stdout, value);
      }
    } finally {
      context.signal.removeEventListener("abort", cancel);
      reader.releaseLock();
    }
    return 0;
  },
};
