import { describeConformance } from "@stowage/conformance/vitest";
import { memoryDriver } from "@stowage/memory";

// The same suite, on the memory driver, inside workerd: core and the
// conformance cases are runtime-neutral.
describeConformance({ name: "memory (inside workerd)", create: () => ({ driver: memoryDriver() }) });
