import { createStorage, type Capabilities, type CapabilityName } from "@stowage/core";
import type { CaseContext } from "../conformance-case.js";
import { defineCase } from "../conformance-case.js";
import { assertDeepEqual, assertRejectsWith } from "../assert.js";
import { wrapDriver } from "../wrap-driver.js";

// Gating of the copy, move, startAfter and conditional delete options, on
// every driver: the fixture's driver is wrapped with the capability off, and
// the driver must not be called at all.

function without(context: CaseContext, names: CapabilityName[], omit: NonNullable<Parameters<typeof wrapDriver>[1]>["omit"] = []) {
  const calls: string[] = [];
  const capabilities: Partial<Capabilities> = Object.fromEntries(names.map((name) => [name, false]));
  const storage = createStorage(wrapDriver(context.fixture.driver, { capabilities, omit, onCall: (method) => calls.push(method) }));
  return { storage, calls };
}

export const copyCapabilityCases = [
  defineCase({
    name: "capabilities: copy and updateMetadata without copy give Unsupported before the driver runs",
    requires: [],
    async run(context) {
      const { storage, calls } = without(context, ["copy", "serverSideCopy"]);
      const { key } = context;
      await assertRejectsWith(storage.copy(key("a"), key("b")), "Unsupported", "copy");
      await assertRejectsWith(storage.copy(key("a"), key("b"), { metadata: { x: "y" } }), "Unsupported", "copy with metadata");
      await assertRejectsWith(storage.updateMetadata(key("a"), { contentType: "text/plain" }), "Unsupported", "updateMetadata");
      assertDeepEqual(calls, [], "the driver was not called");
    },
  }),
  defineCase({
    name: "capabilities: copy and move conditions need copyIfMatch and copyIfNotExists",
    requires: [],
    async run(context) {
      const { key } = context;
      const noMatch = without(context, ["copyIfMatch"]);
      await assertRejectsWith(noMatch.storage.copy(key("a"), key("b"), { ifMatch: "abc" }), "Unsupported", "copy ifMatch");
      await assertRejectsWith(noMatch.storage.updateMetadata(key("a"), { metadata: {} }, { ifMatch: "abc" }), "Unsupported", "updateMetadata ifMatch");
      assertDeepEqual(noMatch.calls, [], "the driver was not called (ifMatch)");
      const noCreate = without(context, ["copyIfNotExists"]);
      await assertRejectsWith(noCreate.storage.copy(key("a"), key("b"), { ifNotExists: true }), "Unsupported", "copy ifNotExists");
      await assertRejectsWith(noCreate.storage.move(key("a"), key("b"), { ifNotExists: true }), "Unsupported", "move ifNotExists");
      assertDeepEqual(noCreate.calls, [], "the driver was not called (ifNotExists)");
    },
  }),
  defineCase({
    name: "capabilities: move without a rename needs copy and deleteIfMatch",
    requires: [],
    async run(context) {
      const { key } = context;
      for (const missing of ["copy", "deleteIfMatch"] as const) {
        const { storage, calls } = without(context, [missing], ["move"]);
        await assertRejectsWith(storage.move(key("a"), key("b")), "Unsupported", `move without ${missing}`);
        assertDeepEqual(calls, [], `the driver was not called (without ${missing})`);
      }
    },
  }),
  defineCase({
    name: "capabilities: startAfter without listStartAfter and delete ifMatch without deleteIfMatch give Unsupported",
    requires: [],
    async run(context) {
      const { storage, calls } = without(context, ["listStartAfter", "deleteIfMatch"]);
      await assertRejectsWith(storage.list({ prefix: context.prefix, startAfter: context.key("a") }), "Unsupported", "startAfter");
      await assertRejectsWith(storage.delete(context.key("a"), { ifMatch: "abc" }), "Unsupported", "delete ifMatch");
      assertDeepEqual(calls, [], "the driver was not called");
    },
  }),
];
