import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driverBundle, runChild } from "./child-bundle.js";
import { removeRoot, tempRoot } from "./temp-root.js";

const processes = 4;
const driversPerProcess = 2;
const rounds = 100;

describe("start-up on a fresh root", () => {
  let base: string;
  beforeAll(async () => {
    base = await tempRoot("startup");
    await driverBundle();
  }, 60_000);
  afterAll(() => removeRoot(base));

  it(`${processes * driversPerProcess} drivers in ${processes} processes open one fresh root at once, ${rounds} times: all start`, async () => {
    // Every process starts round r at the same instant (after a margin for the processes to load).
    const startAt = Date.now() + 1500;
    const results = await Promise.all(
      Array.from({ length: processes }, () =>
        runChild("startup-worker.mjs", { base, rounds, drivers: driversPerProcess, startAt, stepMs: 15 }, { timeoutMs: 60_000 }),
      ),
    );
    const failures: string[] = [];
    let started = 0;
    for (const result of results) {
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as { started: number; failures: string[] };
      started += report.started;
      failures.push(...report.failures);
    }
    expect(failures).toEqual([]);
    expect(started).toBe(processes * driversPerProcess * rounds);
    // Each root has one whole layout record, and no temporary file is left.
    for (let round = 0; round < rounds; round++) {
      const root = join(base, `root-${round}`);
      expect(await readdir(root)).toEqual(["%layout.json"]);
      expect(JSON.parse(await readFile(join(root, "%layout.json"), "utf8"))).toEqual({ layout: "stowage-fs", version: 1, encoding: "bytes" });
    }
  }, 90_000);
});
