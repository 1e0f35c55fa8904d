import { describe, expect, it } from "vitest";
import { isStorageError } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { reencrypt } from "@stowage/encryption";
import { pattern, S } from "./encryption-helpers.ts";
import { afterRotation, beforeRotation, duringRotation, encrypted, instrumented, kids, storedBytes } from "./sweep-helpers.ts";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function seed(count: number) {
  const inner = memoryDriver();
  const storage = encrypted(inner, beforeRotation);
  const contents = new Map<string, Uint8Array>();
  for (let index = 0; index < count; index++) {
    const key = `data/${String(index).padStart(3, "0")}`;
    const body = pattern([1, S, 2 * S + 9][index % 3]!, index);
    await storage.put(key, body, { metadata: { n: String(index) } });
    contents.set(key, body);
  }
  await pause(5);
  return { inner, contents };
}

describe("reencrypt", () => {
  it("re-encrypts every body under a fresh data key wrapped under `to`", async () => {
    const { inner, contents } = await seed(4);
    const old = new Map<string, Uint8Array>();
    for (const key of contents.keys()) old.set(key, await storedBytes(inner, key));
    const result = await reencrypt({ driver: inner, keyring: beforeRotation, to: "k2" });
    expect(result).toMatchObject({ changed: 4, failed: 0 });
    expect(Object.values(await kids(inner))).toEqual(["k2", "k2", "k2", "k2"]);
    const storage = encrypted(inner, afterRotation);
    for (const [key, body] of contents) {
      const now = await storedBytes(inner, key);
      expect(now.length).toBe(old.get(key)!.length);
      expect(now.subarray(8)).not.toEqual(old.get(key)!.subarray(8));
      const object = (await storage.get(key))!;
      expect(await object.bytes()).toEqual(body);
      expect(object.metadata).toEqual({ n: String(Number(key.slice(-3))) });
    }
  });

  it("resumes with the same `before`: objects re-encrypted by the interrupted run are skipped", async () => {
    const { inner, contents } = await seed(9);
    const before = new Date();
    const controller = new AbortController();
    const error = await reencrypt({ driver: inner, keyring: duringRotation, before, concurrency: 1, signal: controller.signal, onProgress: (p) => p.changed === 3 && controller.abort() }).catch(
      (caught: unknown) => caught,
    );
    expect(isStorageError(error, "Aborted")).toBe(true);
    const storage = encrypted(inner, duringRotation);
    for (const [key, body] of contents) expect(await storage.get(key).then((object) => object!.bytes())).toEqual(body);
    const rest = await reencrypt({ driver: inner, keyring: duringRotation, before });
    expect(rest).toMatchObject({ changed: 6, skipped: 3 });
  });

  it("a write between the read and the put wins (a conflict), and stays readable", async () => {
    const { inner } = await seed(2);
    const counted = instrumented(inner);
    const newer = pattern(S + 1, 7);
    counted.hooks.beforePut = async (key) => {
      if (key === "data/000") {
        counted.hooks.beforePut = undefined;
        await encrypted(inner, beforeRotation).put(key, newer);
      }
    };
    const result = await reencrypt({ driver: counted.driver, keyring: duringRotation, concurrency: 1 });
    expect(result).toMatchObject({ changed: 1, conflicts: 1 });
    expect(await encrypted(inner, duringRotation).get("data/000").then((object) => object!.bytes())).toEqual(newer);
  });

  it("refuses a driver without putIfMatch unless unconditional", async () => {
    const { inner } = await seed(1);
    const error = await reencrypt({ driver: instrumented(inner, { putIfMatch: false }).driver, keyring: duringRotation }).catch((caught: unknown) => caught);
    expect(isStorageError(error, "Unsupported")).toBe(true);
  });
});
