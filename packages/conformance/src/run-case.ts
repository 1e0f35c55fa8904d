import { createStorage, type StorageOptions } from "@stowage/core";
import type { CaseContext, ConformanceCase, DriverFixture } from "./conformance-case.js";

let caseCounter = 0;

/** A random prefix unique to one case run, so cases can share a real bucket. */
export function uniquePrefix(caseName: string): string {
  const slug = caseName.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40);
  const random = Math.random().toString(36).slice(2, 10);
  return `conformance/${slug}-${(caseCounter++).toString(36)}${random}/`;
}

/** The capabilities a case needs that the fixture's driver lacks. */
export function missingCapabilities(conformanceCase: ConformanceCase, fixture: DriverFixture): string[] {
  return conformanceCase.requires.filter((name) => !fixture.driver.capabilities[name]);
}

/** Runs one case against a fixture. Throws when the case fails. */
export async function runCase(conformanceCase: ConformanceCase, fixture: DriverFixture): Promise<void> {
  const prefix = uniquePrefix(conformanceCase.name);
  const context: CaseContext = {
    storage: createStorage(fixture.driver),
    prefix,
    key: (name) => prefix + name,
    createStorage: (options?: StorageOptions) => createStorage(fixture.driver, options),
    fetch: fixture.fetch ?? ((request) => fetch(request)),
    fixture,
  };
  await conformanceCase.run(context);
}
