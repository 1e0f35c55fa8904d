import { createStorage, noCapabilities, type Capabilities, type CapabilityName, type SignedRequest } from "@stowage/core";
import type { CaseContext } from "../conformance-case.js";
import { defineCase } from "../conformance-case.js";
import { assertDeepEqual, assertEqual, assertRejectsWith, assertTrue } from "../assert.js";
import { assertAbsent } from "../case-tools.js";
import { wrapDriver } from "../wrap-driver.js";

/**
 * A Storage over the fixture's driver with some capabilities switched off,
 * plus the list of driver calls it made. Works on every driver, so gating is
 * checked everywhere, not only on drivers that lack a capability.
 */
function without(context: CaseContext, off: Partial<Capabilities>, extra: Parameters<typeof wrapDriver>[1] = {}) {
  const calls: string[] = [];
  const storage = createStorage(
    wrapDriver(context.fixture.driver, { ...extra, capabilities: { ...extra.capabilities, ...off }, onCall: (method) => calls.push(method) }),
  );
  return { storage, calls };
}

function off(...names: CapabilityName[]): Partial<Capabilities> {
  return Object.fromEntries(names.map((name) => [name, false]));
}

export const capabilityCases = [
  defineCase({
    name: "capabilities: the driver declares every capability as a boolean",
    requires: [],
    async run({ fixture, storage }) {
      for (const name of Object.keys(noCapabilities) as CapabilityName[]) {
        assertEqual(typeof fixture.driver.capabilities[name], "boolean", `capability ${name}`);
      }
      assertTrue(typeof fixture.driver.name === "string" && fixture.driver.name.length > 0, "the driver has a name");
      assertDeepEqual({ ...storage.capabilities }, { ...fixture.driver.capabilities }, "Storage exposes the driver's capabilities");
      assertTrue(Object.isFrozen(storage.capabilities), "Storage's capabilities are frozen");
    },
  }),
  defineCase({
    name: "capabilities: range without rangeRead gives Unsupported before the driver runs",
    requires: [],
    async run(context) {
      const { storage, calls } = without(context, off("rangeRead"));
      await assertRejectsWith(storage.get(context.key("x"), { range: { offset: 0, length: 1 } }), "Unsupported", "offset range");
      await assertRejectsWith(storage.get(context.key("x"), { range: { suffix: 1 } }), "Unsupported", "suffix range");
      assertDeepEqual(calls, [], "the driver was not called");
    },
  }),
  defineCase({
    name: "capabilities: expiresAt and ttlSeconds without expiry, and sweepExpired without expiry or deleteIfMatch, give Unsupported before the driver runs",
    requires: [],
    async run(context) {
      const { storage, calls } = without(context, off("expiry"));
      await assertRejectsWith(storage.put(context.key("x"), "x", { ttlSeconds: 60 }), "Unsupported", "ttlSeconds");
      await assertRejectsWith(storage.put(context.key("x"), "x", { expiresAt: new Date(Date.now() + 60_000) }), "Unsupported", "expiresAt");
      await assertRejectsWith(storage.sweepExpired(), "Unsupported", "sweepExpired without expiry");
      const noDelete = without(context, off("deleteIfMatch"), { capabilities: { expiry: true } });
      await assertRejectsWith(noDelete.storage.sweepExpired(), "Unsupported", "sweepExpired without deleteIfMatch");
      assertDeepEqual([...calls, ...noDelete.calls], [], "the driver was not called");
      await assertAbsent(context.storage, context.key("x"), "the key");
    },
  }),
  defineCase({
    name: "capabilities: get conditions without conditionalGet give Unsupported",
    requires: [],
    async run(context) {
      const { storage, calls } = without(context, off("conditionalGet"));
      await assertRejectsWith(storage.get(context.key("x"), { ifMatch: "abc" }), "Unsupported", "ifMatch");
      await assertRejectsWith(storage.get(context.key("x"), { ifNoneMatch: "abc" }), "Unsupported", "ifNoneMatch");
      assertDeepEqual(calls, [], "the driver was not called");
    },
  }),
  defineCase({
    name: "capabilities: ifNotExists without putIfNotExists gives Unsupported and writes nothing",
    requires: [],
    async run(context) {
      const { storage, calls } = without(context, off("putIfNotExists"));
      await assertRejectsWith(storage.put(context.key("x"), "x", { ifNotExists: true }), "Unsupported", "ifNotExists");
      assertDeepEqual(calls, [], "the driver was not called");
      await assertAbsent(context.storage, context.key("x"), "nothing was written");
    },
  }),
  defineCase({
    name: "capabilities: put ifMatch without putIfMatch gives Unsupported and writes nothing",
    requires: [],
    async run(context) {
      const info = await context.storage.put(context.key("x"), "old");
      const { storage, calls } = without(context, off("putIfMatch"));
      await assertRejectsWith(storage.put(context.key("x"), "new", { ifMatch: info.etag }), "Unsupported", "ifMatch");
      assertDeepEqual(calls, [], "the driver was not called");
      assertEqual(await (await context.storage.get(context.key("x")))?.text(), "old", "the old value stays");
    },
  }),
  defineCase({
    name: "capabilities: sha256 without the sha256 capability gives Unsupported",
    requires: [],
    async run(context) {
      const { storage, calls } = without(context, off("sha256"));
      await assertRejectsWith(storage.put(context.key("x"), "x", { sha256: "a".repeat(64) }), "Unsupported", "sha256");
      assertDeepEqual(calls, [], "the driver was not called");
    },
  }),
  defineCase({
    name: "capabilities: delimiter without listDelimiter gives Unsupported",
    requires: [],
    async run(context) {
      const { storage, calls } = without(context, off("listDelimiter"));
      await assertRejectsWith(storage.list({ prefix: context.prefix, delimiter: "/" }), "Unsupported", "delimiter");
      assertDeepEqual(calls, [], "the driver was not called");
    },
  }),
  defineCase({
    name: "capabilities: signPut without the signPut capability gives Unsupported",
    requires: [],
    async run(context) {
      const { storage, calls } = without(context, off("signPut"));
      await assertRejectsWith(storage.signPut(context.key("x")), "Unsupported", "signPut");
      await assertRejectsWith(storage.signPut(context.key("x"), { expiresIn: 60, contentType: "text/plain" }), "Unsupported", "signPut with options");
      assertDeepEqual(calls, [], "the driver was not called");
    },
  }),
  defineCase({
    name: "capabilities: signGet without the signGet capability gives Unsupported",
    requires: [],
    async run(context) {
      const { storage, calls } = without(context, off("signGet"));
      await assertRejectsWith(storage.signGet(context.key("x")), "Unsupported", "signGet");
      await assertRejectsWith(storage.signGet(context.key("x"), { downloadFilename: "a.txt" }), "Unsupported", "signGet with options");
      assertDeepEqual(calls, [], "the driver was not called");
    },
  }),
  defineCase({
    name: "capabilities: each signPut constraint needs its own capability",
    requires: [],
    async run(context) {
      const signed: SignedRequest = { url: "https://example.invalid/", method: "PUT", headers: {}, expiresAt: new Date() };
      const { storage, calls } = without(
        context,
        off("signPutContentType", "signPutSize", "signPutMaxSize", "signPutOneTime", "signPutIfNotExists"),
        { capabilities: { signPut: true }, methods: { signPut: async () => signed } },
      );
      await assertRejectsWith(storage.signPut(context.key("x"), { contentType: "text/plain" }), "Unsupported", "contentType");
      await assertRejectsWith(storage.signPut(context.key("x"), { size: 10 }), "Unsupported", "size");
      await assertRejectsWith(storage.signPut(context.key("x"), { maxSize: 10 }), "Unsupported", "maxSize");
      await assertRejectsWith(storage.signPut(context.key("x"), { oneTime: true }), "Unsupported", "oneTime");
      await assertRejectsWith(storage.signPut(context.key("x"), { ifNotExists: true }), "Unsupported", "ifNotExists");
      assertDeepEqual(calls, [], "the driver was not called for a constrained URL");
      const plain = await storage.signPut(context.key("x"));
      assertEqual(plain, signed, "an unconstrained signPut reaches the driver");
      assertDeepEqual(calls, ["signPut"], "exactly one driver call");
    },
  }),
  defineCase({
    name: "capabilities: options left off or false need no capability",
    requires: [],
    async run(context) {
      const everything = Object.fromEntries(Object.keys(noCapabilities).map((name) => [name, false])) as Partial<Capabilities>;
      const { storage } = without(context, everything);
      await storage.put(context.key("x"), "x", { ifNotExists: false });
      await storage.put(context.key("x"), "y", { ifNotExists: undefined, ifMatch: undefined, sha256: undefined });
      const object = await storage.get(context.key("x"), { range: undefined, ifMatch: undefined, ifNoneMatch: undefined });
      assertEqual(await object?.text(), "y", "a plain get");
      const page = await storage.list({ prefix: context.prefix, delimiter: undefined });
      assertEqual(page.objects.length, 1, "a plain list");
    },
  }),
];
