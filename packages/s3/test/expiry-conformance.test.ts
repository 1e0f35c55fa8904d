// The conformance suite's object-expiry cases on the real server with
// s3Driver({ expiry: true }): core's expiry over a driver whose list HEADs
// each object (list-with-metadata.ts). The main conformance run keeps the
// default (expiry off), where these cases are skipped by capability.
import { conformanceCases, missingCapabilities, runCase, type DriverFixture } from "@stowage/conformance";
import { afterAll, beforeAll, describe, it } from "vitest";
import { testDriver } from "./s3-test-driver.ts";
import { s3Environment } from "./s3-test-environment.ts";

const environment = s3Environment();
const expiryCases = conformanceCases.filter((conformanceCase) => conformanceCase.requires.includes("expiry"));

describe.skipIf(environment === null)(`object expiry conformance on ${environment?.label ?? "an S3 server"} with expiry: true`, () => {
  let fixture: DriverFixture;
  beforeAll(() => {
    fixture = { driver: testDriver(environment!, { expiry: true }) };
  });
  afterAll(() => {
    (fixture.driver.raw as { destroy(): void }).destroy();
  });

  it("has expiry cases to run", ({ expect }) => {
    expect(expiryCases.length).toBeGreaterThan(5);
  });

  for (const conformanceCase of expiryCases) {
    it(conformanceCase.name, { timeout: conformanceCase.timeout ?? 60_000 }, async (context) => {
      const missing = missingCapabilities(conformanceCase, fixture);
      if (missing.length > 0) {
        context.skip(`needs capability ${missing.join(", ")}`);
        return;
      }
      await runCase(conformanceCase, fixture);
    });
  }
});
