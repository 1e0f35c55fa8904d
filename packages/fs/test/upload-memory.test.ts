import { describe, expect, it } from "vitest";
import { runChild } from "./child-bundle.js";
import { removeRoot, tempRoot } from "./temp-root.js";

describe("upload sessions stream", () => {
  it("completing a 64 MiB upload of 8 MiB parts never holds it in memory (peak RSS under idle + 40 MiB)", async () => {
    const root = await tempRoot("upload-rss");
    try {
      const parts = 8;
      const partSize = 8 * 1024 * 1024;
      const result = await runChild("upload-memory-worker.mjs", { root, parts, partSize }, { timeoutMs: 120_000 });
      expect(result.stderr).toBe("");
      const report = JSON.parse(result.stdout) as {
        size: number;
        read: number;
        readSum: string;
        expectedSum: string;
        completeMs: number;
        idleRssMiB: number;
        maxRssMiB: number;
      };
      expect(report.size).toBe(parts * partSize);
      expect(report.read).toBe(parts * partSize);
      // The parts, in order, byte for byte.
      expect(report.readSum).toBe(report.expectedSum);
      process.stdout.write(
        `64 MiB upload completed in ${report.completeMs.toFixed(0)} ms, peak RSS ${report.maxRssMiB.toFixed(0)} MiB (idle ${report.idleRssMiB.toFixed(0)} MiB)\n`,
      );
      // Holding the object (64 MiB) or even a few whole parts would pass this bound.
      expect(report.maxRssMiB - report.idleRssMiB).toBeLessThanOrEqual(40);
    } finally {
      await removeRoot(root);
    }
  }, 120_000);
});
