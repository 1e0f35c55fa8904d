import { afterAll, beforeAll, describe, it } from "vitest";
import type { DriverFixture, SuiteOptions } from "./conformance-case.js";
import { conformanceCases } from "./conformance-cases.js";
import { missingCapabilities, runCase } from "./run-case.js";

/**
 * Registers the whole conformance suite with vitest:
 *
 * ```ts
 * describeConformance({ name: "memory", create: () => ({ driver: memoryDriver() }) });
 * ```
 *
 * A case whose capabilities the driver lacks is registered as skipped, and
 * its name says which capability is missing.
 */
export function describeConformance(options: SuiteOptions): void {
  describe(`conformance: ${options.name}`, () => {
    let fixture: DriverFixture | undefined;
    beforeAll(async () => {
      fixture = await options.create();
    }, 120_000);
    afterAll(async () => {
      await fixture?.close?.();
    }, 60_000);
    // Capabilities are known only once the fixture exists, but vitest needs
    // the test list up front; so the capability check runs inside each test
    // and a missing capability marks the test skipped with its reason.
    for (const conformanceCase of conformanceCases) {
      const skipReason = options.skip?.[conformanceCase.name];
      if (skipReason !== undefined) {
        it.skip(`${conformanceCase.name} [skipped: ${skipReason}]`, () => {});
        continue;
      }
      it(
        conformanceCase.name,
        async (context) => {
          if (fixture === undefined) throw new Error("the driver fixture was not created");
          const missing = missingCapabilities(conformanceCase, fixture);
          if (missing.length > 0) {
            context.skip(`needs capability ${missing.join(", ")}`);
            return;
          }
          await runCase(conformanceCase, fixture);
        },
        conformanceCase.timeout ?? options.timeout ?? 60_000,
      );
    }
  });
}

export type { DriverFixture, SuiteOptions } from "./conformance-case.js";
