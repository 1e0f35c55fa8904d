import { memoryDriver } from "@stowage/memory";
import { withPrefix } from "@stowage/core";
import { describeConformance } from "@stowage/conformance/vitest";

describeConformance({ name: "memory (reference run)", create: () => ({ driver: memoryDriver() }) });
describeConformance({ name: "memory through withPrefix", create: () => ({ driver: withPrefix(memoryDriver(), "tenant/") }) });
