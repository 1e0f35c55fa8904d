export type { CaseContext, ConformanceCase, DriverFixture, SuiteOptions } from "./conformance-case.js";
export { defineCase } from "./conformance-case.js";
export { conformanceCases } from "./conformance-cases.js";
export { missingCapabilities, runCase, uniquePrefix } from "./run-case.js";
export {
  ConformanceFailure,
  assertBytesEqual,
  assertDeepEqual,
  assertEqual,
  assertRejectsWith,
  assertTrue,
  fail,
} from "./assert.js";
