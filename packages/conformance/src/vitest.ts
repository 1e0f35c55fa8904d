import { afterAll, beforeAll, describe, it, type TaskMeta } from "vitest";
import type { StorageDriver } from "@stowage/core";
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
      const base: ConformanceTestMeta = { suite: options.name, case: conformanceCase.name, requires: [...conformanceCase.requires] };
      const skipReason = options.skip?.[conformanceCase.name];
      if (skipReason !== undefined) {
        it.skip(`${conformanceCase.name} [skipped: ${skipReason}]`, { meta: taskMeta({ ...base, skipped: skipReason }) }, () => {});
        continue;
      }
      it(
        conformanceCase.name,
        { meta: taskMeta(base), timeout: conformanceCase.timeout ?? options.timeout ?? 60_000 },
        async (context) => {
          if (fixture === undefined) throw new Error("the driver fixture was not created");
          const meta = (context.task.meta as Record<string, ConformanceTestMeta | undefined>)[conformanceMetaKey];
          if (meta !== undefined) meta.driver = describeDriver(fixture.driver);
          const missing = missingCapabilities(conformanceCase, fixture);
          if (missing.length > 0) {
            const reason = `needs capability ${missing.join(", ")}`;
            if (meta !== undefined) {
              meta.skipped = reason;
              meta.missing = missing;
            }
            context.skip(reason);
            return;
          }
          await runCase(conformanceCase, fixture);
        },
      );
    }
  });
}

/**
 * The key under which each conformance test's vitest task meta carries a
 * `ConformanceTestMeta` (for reporters, such as the provider matrix).
 */
export const conformanceMetaKey = "stowageConformance";

/** What a reporter finds in `task.meta.stowageConformance` of each conformance test. */
export interface ConformanceTestMeta {
  /** The suite's `name`. */
  suite: string;
  /** The case's name. */
  case: string;
  /** The capabilities the case needs. */
  requires: string[];
  /** Why the case was skipped: the suite's `skip` reason, or the missing capabilities. */
  skipped?: string;
  /** The capabilities the driver lacks, when that is why the case was skipped. */
  missing?: string[];
  /** The driver, as data: set once the test ran (absent on a test the suite's `skip` skipped). */
  driver?: DriverDescription;
}

/** A driver as plain data. */
export interface DriverDescription {
  name: string;
  capabilities: Record<string, boolean>;
  capabilityHints: Record<string, string>;
  signPutConflicts: { constraints: string[]; unless?: string[]; reason: string }[];
  /** The driver's `profile` (the S3 driver's provider facts), when it has one made of plain values. */
  profile?: Record<string, string | number | boolean>;
}

function taskMeta(meta: ConformanceTestMeta): Partial<TaskMeta> {
  return { [conformanceMetaKey]: meta } as unknown as Partial<TaskMeta>;
}

function describeDriver(driver: StorageDriver): DriverDescription {
  const description: DriverDescription = {
    name: driver.name,
    capabilities: { ...driver.capabilities },
    capabilityHints: Object.fromEntries(Object.entries(driver.capabilityHints ?? {}).filter(([, hint]) => typeof hint === "string")) as Record<
      string,
      string
    >,
    signPutConflicts: (driver.signPutConflicts ?? []).map((conflict) => ({
      constraints: [...conflict.constraints],
      ...(conflict.unless === undefined ? {} : { unless: [...conflict.unless] }),
      reason: conflict.reason,
    })),
  };
  const profile = (driver as { profile?: unknown }).profile;
  if (profile !== null && typeof profile === "object" && !Array.isArray(profile)) {
    const facts = Object.entries(profile).filter(([, value]) => ["string", "number", "boolean"].includes(typeof value));
    if (facts.length > 0) description.profile = Object.fromEntries(facts) as Record<string, string | number | boolean>;
  }
  return description;
}

export type { DriverFixture, SuiteOptions } from "./conformance-case.js";
