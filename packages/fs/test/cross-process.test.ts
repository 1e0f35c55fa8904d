import { createStorage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driverBundle, runChild } from "./child-bundle.js";
import { leftoverFiles, removeRoot, tempRoot } from "./temp-root.js";

const workers = 4;

describe("conditional puts across processes", () => {
  let root: string;
  beforeAll(async () => {
    root = await tempRoot("race");
    await driverBundle();
  }, 60_000);
  afterAll(() => removeRoot(root));

  it("ifNotExists: of 4 processes racing on each of 50 keys, exactly one wins each", async () => {
    const keys = Array.from({ length: 50 }, (_, index) => `create/${index % 5}/key-${index}`);
    const results = await Promise.all(
      Array.from({ length: workers }, () => runChild("race-worker.mjs", { root, mode: "create", keys })),
    );
    const winners = new Map<string, number>();
    for (const result of results) {
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      for (const key of JSON.parse(result.stdout).won as string[]) winners.set(key, (winners.get(key) ?? 0) + 1);
    }
    expect(winners.size).toBe(keys.length);
    expect([...winners.values()].every((count) => count === 1)).toBe(true);
    // Each stored value is the winner's pid: the winner's body, not a loser's.
    const storage = createStorage(fsDriver({ root, cleanupOnStart: false }));
    const pids = new Set<string>();
    for (const key of keys) pids.add(await (await storage.get(key))!.text());
    expect(pids.size).toBeGreaterThanOrEqual(1);
    expect(await leftoverFiles(root)).toEqual([]);
  });

  it("ifMatch: 4 processes x 25 compare-and-swap increments end at exactly 100", async () => {
    const storage = createStorage(fsDriver({ root, cleanupOnStart: false }));
    const key = "cas/counter";
    await storage.put(key, "0");
    const results = await Promise.all(
      Array.from({ length: workers }, () => runChild("race-worker.mjs", { root, mode: "cas", key, increments: 25 })),
    );
    let conflicts = 0;
    for (const result of results) {
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      conflicts += JSON.parse(result.stdout).conflicts as number;
    }
    expect(await (await storage.get(key))!.text()).toBe("100");
    // The race is real: on two cores the processes do collide.
    expect(conflicts).toBeGreaterThan(0);
    expect(await leftoverFiles(root)).toEqual([]);
  });
});
