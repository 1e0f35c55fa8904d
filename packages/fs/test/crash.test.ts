import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createStorage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childScript, driverBundle } from "./child-bundle.js";
import { leftoverFiles, removeRoot, tempRoot } from "./temp-root.js";

const count = 1000;
const keyOf = (index: number) => `crash/${index % 10}/key-${index}`;

describe("crash in the middle of 1000 concurrent overwrites", () => {
  let root: string;
  beforeAll(async () => {
    root = await tempRoot("crash");
    await driverBundle();
  }, 60_000);
  afterAll(() => removeRoot(root));

  it("every key reads whole old or whole new with matching metadata; list shows no temporaries; cleanup removes them", async () => {
    const storage = createStorage(fsDriver({ root, cleanupOnStart: false }));
    const oldSums = new Map<string, string>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < count) {
          const key = keyOf(next++);
          const body = randomBytes(4096);
          const sum = createHash("sha256").update(body).digest("hex");
          oldSums.set(key, sum);
          await storage.put(key, body, { contentType: "application/x-old", metadata: { sum, round: "0" } });
        }
      }),
    );

    const bundle = await driverBundle();
    const child = spawn(process.execPath, [childScript("crash-worker.mjs"), bundle, JSON.stringify({ root, count })], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const signal = await new Promise((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (_code, exitSignal) => resolve(exitSignal));
    });
    expect(signal).toBe("SIGKILL");

    let updated = 0;
    for (let index = 0; index < count; index++) {
      const key = keyOf(index);
      const object = await storage.get(key);
      expect(object, key).not.toBeNull();
      const body = await object!.bytes();
      const sum = createHash("sha256").update(body).digest("hex");
      expect(object!.metadata.sum, key).toBe(sum);
      expect(object!.size).toBe(body.byteLength);
      if (object!.metadata.round === "0") {
        expect(object!.contentType).toBe("application/x-old");
        expect(sum).toBe(oldSums.get(key));
      } else {
        expect(object!.contentType).toBe("application/x-new");
        updated++;
      }
    }
    // The kill landed mid-way: some keys were overwritten, not all.
    expect(updated).toBeGreaterThanOrEqual(count / 4);
    expect(updated).toBeLessThan(count);

    const listed: string[] = [];
    for await (const info of storage.listAll({ prefix: "crash/" })) listed.push(info.key);
    expect(listed.length).toBe(count);
    expect(listed.every((key) => /^crash\/\d\/key-\d+$/.test(key))).toBe(true);

    const left = await leftoverFiles(root);
    const report = await fsDriver({ root, cleanupOnStart: false }).cleanup();
    expect(report.temporaryFiles).toBe(left.filter((path) => path.includes("%tmp-")).length);
    expect(await leftoverFiles(root)).toEqual([]);
    process.stdout.write(`crash test: ${updated} of ${count} keys updated, ${left.length} leftovers removed\n`);
  }, 60_000);
});
