/**
 * The KV conformance suite: runner-agnostic cases (`kvConformanceCases`,
 * `runKvCase`) and a vitest adapter (`describeKvConformance`). No Node
 * imports: it also runs inside workerd.
 */
export { kvConformanceCases } from "./conformance/kv-conformance-cases.js";
export { defineKvCase } from "./conformance/kv-conformance-case.js";
export type { KvCaseContext, KvConformanceCase, KvCreateOptions, KvFeature, KvFixture, KvSuiteOptions, TestClock } from "./conformance/kv-conformance-case.js";
export { createTestClock, missingKvFeatures, runKvCase, uniqueKvPrefix } from "./conformance/run-kv-case.js";
export { KvConformanceFailure } from "./conformance/kv-assert.js";
export { describeKvConformance } from "./conformance/vitest.js";
