import { defineCase } from "../conformance-case.js";
import { assertEqual, assertRejectsWith } from "../assert.js";

export const existsCases = [
  defineCase({
    name: "exists: true for a stored key, false for a missing or deleted one",
    requires: [],
    async run({ storage, key }) {
      await storage.put(key("here"), "x");
      await storage.put(key("empty"), "");
      assertEqual(await storage.exists(key("here")), true, "a stored key");
      assertEqual(await storage.exists(key("empty")), true, "an empty object");
      assertEqual(await storage.exists(key("never")), false, "a missing key");
      assertEqual(await storage.exists(key("her")), false, "a prefix of a stored key");
      await storage.delete(key("here"));
      assertEqual(await storage.exists(key("here")), false, "a deleted key");
      const controller = new AbortController();
      controller.abort(new Error("conformance: cancelled before exists"));
      await assertRejectsWith(storage.exists(key("empty"), { signal: controller.signal }), "Aborted", "an aborted signal");
    },
  }),
];
