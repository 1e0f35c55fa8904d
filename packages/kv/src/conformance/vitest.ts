import { afterAll, beforeAll, describe, it } from "vitest";
import type { KvFixture, KvSuiteOptions } from "./kv-conformance-case.js";
import { kvConformanceCases } from "./kv-conformance-cases.js";
import { missingKvFeatures, runKvCase } from "./run-kv-case.js";

/**
 * Registers the KV conformance suite with vitest:
 *
 * ```ts
 * describeKvConformance({
 *   name: "memory",
 *   create: () => {
 *     const driver = memoryDriver();
 *     return { create: ({ clock, prefix, cacheTtlSeconds }) => createKv(createStorage(driver, { clock }), { clock, prefix, cacheTtlSeconds }) };
 *   },
 * });
 * ```
 */
export function describeKvConformance(options: KvSuiteOptions): void {
  describe(`kv conformance: ${options.name}`, () => {
    let fixture: KvFixture | undefined;
    beforeAll(async () => {
      fixture = await options.create();
    }, 120_000);
    afterAll(async () => {
      await fixture?.close?.();
    }, 60_000);
    for (const kvCase of kvConformanceCases) {
      const skipReason = options.skip?.[kvCase.name];
      if (skipReason !== undefined) {
        it.skip(`${kvCase.name} [skipped: ${skipReason}]`, () => {});
        continue;
      }
      it(kvCase.name, { timeout: kvCase.timeout ?? options.timeout ?? 60_000 }, async (context) => {
        if (fixture === undefined) throw new Error("the KV fixture was not created");
        const missing = missingKvFeatures(kvCase, fixture);
        if (missing.length > 0) {
          context.skip(`the backend does not support ${missing.join(", ")}`);
          return;
        }
        await runKvCase(kvCase, fixture);
      });
    }
  });
}
