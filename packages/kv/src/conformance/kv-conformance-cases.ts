import type { KvConformanceCase } from "./kv-conformance-case.js";
import { cacheCases } from "./cache-cases.js";
import { expiryCases } from "./expiry-cases.js";
import { listCases } from "./list-cases.js";
import { raceCases } from "./race-cases.js";
import { refusalCases } from "./refusal-cases.js";
import { sweepCases, sweepRefusalCases } from "./sweep-cases.js";
import { valueCases } from "./value-cases.js";

/** Every KV conformance case, in a stable order. */
export const kvConformanceCases: readonly KvConformanceCase[] = [
  ...valueCases,
  ...expiryCases,
  ...refusalCases,
  ...cacheCases,
  ...listCases,
  ...raceCases,
  ...sweepCases,
  ...sweepRefusalCases,
];
