import type { ConformanceCase } from "./conformance-case.js";
import { keyCases } from "./cases/key-cases.js";

/** Every case of the specification, in a stable order. */
export const conformanceCases: readonly ConformanceCase[] = [...keyCases];
