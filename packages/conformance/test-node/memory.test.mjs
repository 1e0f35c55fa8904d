// Runs the conformance suite against the memory driver with Node's own test
// runner, from the built packages (build core, memory and conformance first):
//
//   node --test packages/conformance/test-node/
//
// It shows the cases do not depend on vitest.
import { withPrefix } from "@stowage/core";
import { describeConformance } from "@stowage/conformance/node-test";
import { memoryDriver } from "../../memory/dist/index.js";

describeConformance({ name: "memory (node:test)", create: () => ({ driver: memoryDriver() }) });
describeConformance({
  name: "memory through withPrefix (node:test)",
  create: () => ({ driver: withPrefix(memoryDriver(), "tenant/") }),
  skip: { "keys: a 1024-byte key round-trips": "withPrefix leaves 1017 bytes for the key" },
});
