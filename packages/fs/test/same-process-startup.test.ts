import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStorage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { join } from "node:path";
import { removeRoot, tempRoot } from "./temp-root.js";

// A driver's start-up cleanup removes temporary files left by dead processes.
// Temporaries of this very process may belong to another driver's put or
// layout record still being written: they must survive another driver's start.
describe("drivers in one process", () => {
  let base: string;
  beforeAll(async () => {
    base = await tempRoot("same-process");
  });
  afterAll(() => removeRoot(base));

  it("two drivers opening one fresh root at once both start, 100 times", async () => {
    const failures: string[] = [];
    for (let round = 0; round < 100; round++) {
      const root = join(base, `fresh-${round}`);
      const drivers = [fsDriver({ root }), fsDriver({ root })];
      const results = await Promise.allSettled(drivers.map((driver) => createStorage(driver).head("k")));
      for (const result of results) if (result.status === "rejected") failures.push(String(result.reason));
      await Promise.all(drivers.map((driver) => driver.close()));
    }
    expect(failures).toEqual([]);
  });
});
