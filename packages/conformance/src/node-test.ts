import { after, before, describe, it } from "node:test";
import type { DriverFixture, SuiteOptions } from "./conformance-case.js";
import { conformanceCases } from "./conformance-cases.js";
import { missingCapabilities, runCase } from "./run-case.js";

/**
 * Registers the whole conformance suite with Node's built-in test runner
 * (`node --test`), the same cases the vitest adapter registers:
 *
 * ```ts
 * import { describeConformance } from "@stowage/conformance/node-test";
 * describeConformance({ name: "memory", create: () => ({ driver: memoryDriver() }) });
 * ```
 *
 * A case whose capabilities the driver lacks is skipped, and the skip
 * message says which capability is missing.
 */
export function describeConformance(options: SuiteOptions): void {
  describe(`conformance: ${options.name}`, () => {
    let fixture: DriverFixture | undefined;
    before(async () => {
      fixture = await options.create();
    });
    after(async () => {
      await fixture?.close?.();
    });
    for (const conformanceCase of conformanceCases) {
      const skipReason = options.skip?.[conformanceCase.name];
      if (skipReason !== undefined) {
        it(conformanceCase.name, { skip: skipReason }, () => {});
        continue;
      }
      it(conformanceCase.name, { timeout: conformanceCase.timeout ?? options.timeout ?? 60_000 }, async (context) => {
        if (fixture === undefined) throw new Error("the driver fixture was not created");
        const missing = missingCapabilities(conformanceCase, fixture);
        if (missing.length > 0) {
          context.skip(`needs capability ${missing.join(", ")}`);
          return;
        }
        await runCase(conformanceCase, fixture);
      });
    }
  });
}

export type { DriverFixture, SuiteOptions } from "./conformance-case.js";
