import { memoryDriver } from "@stowage/memory";
import { describeTamperCases } from "./shared/tamper-cases.ts";

// The tamper matrix (issue 15) over memory; fs, S3 (Ceph RGW) and R2
// (workerd) run the same cases from their packages' encryption-tamper tests.
describeTamperCases("memory", () => memoryDriver());
