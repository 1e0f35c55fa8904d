import { memoryDriver } from "@stowage/memory";
import { withPrefix } from "@stowage/core";
import { describeConformance } from "@stowage/conformance/vitest";

describeConformance({ name: "memory (reference run)", create: () => ({ driver: memoryDriver() }) });
describeConformance({
  name: "memory through withPrefix",
  create: () => ({ driver: withPrefix(memoryDriver(), "tenant/") }),
  // The layer's "tenant/" takes 7 of the 1024 bytes a key may have.
  skip: { "keys: a 1024-byte key round-trips": "withPrefix leaves 1017 bytes for the key" },
});
