import {
  createStorage,
  isStorageError,
  signPutConstraintCapabilities,
  type DriverSignPutOptions,
  type SignedRequest,
  type SignPutCheck,
  type SignPutConflict,
  type SignPutConstraint,
  type SignPutOptions,
  type Storage,
  type StorageDriver,
} from "@stowage/core";
import type { CaseContext } from "../conformance-case.js";
import { defineCase } from "../conformance-case.js";
import { assertDeepEqual, assertEqual, assertTrue, fail } from "../assert.js";
import { wrapDriver } from "../wrap-driver.js";

// Conflicts are discoverable before the call: for every combination of
// signPut constraints, `checkSignPut` answers what `signPut` does, and a
// driver refuses at call time only what its capabilities and
// `signPutConflicts` declare. These cases stay at the minting level (no
// upload), so they run on every signing driver, native presigners included.

const constraintNames = Object.keys(signPutConstraintCapabilities) as SignPutConstraint[];

/** The option value each constraint is signed with (size ≤ maxSize). */
const constraintValues: Record<SignPutConstraint, SignPutOptions[SignPutConstraint]> = {
  contentType: "text/plain",
  size: 100,
  maxSize: 1000,
  oneTime: true,
  ifNotExists: true,
};

function optionsOf(names: readonly SignPutConstraint[]): SignPutOptions {
  return Object.fromEntries(names.map((name) => [name, constraintValues[name]])) as SignPutOptions;
}

/** Every subset of the constraints, smallest first. */
function combinations(): SignPutConstraint[][] {
  const all: SignPutConstraint[][] = [];
  for (let mask = 0; mask < 1 << constraintNames.length; mask++) {
    all.push(constraintNames.filter((_, index) => mask & (1 << index)));
  }
  return all.sort((a, b) => a.length - b.length);
}

function claimed(driver: StorageDriver, name: SignPutConstraint): boolean {
  return driver.capabilities[signPutConstraintCapabilities[name]] === true;
}

/** The declared conflict that refuses `names`, read straight from the driver's data. */
function conflictFor(conflicts: readonly SignPutConflict[], names: readonly SignPutConstraint[]): SignPutConflict | undefined {
  return conflicts.find(
    (conflict) => conflict.constraints.every((name) => names.includes(name)) && !(conflict.unless ?? []).some((name) => names.includes(name)),
  );
}

/** A Storage over the driver (optionally with other conflicts) that records what reaches the driver's signPut. */
function recording(context: CaseContext, extra: Parameters<typeof wrapDriver>[1] = {}) {
  const calls: DriverSignPutOptions[] = [];
  const storage = createStorage(
    wrapDriver(context.fixture.driver, {
      ...extra,
      onCall: (method, args) => {
        if (method === "signPut") calls.push(args[1] as DriverSignPutOptions);
      },
    }),
  );
  return { storage, calls };
}

/** signPut's outcome, as the check would state it. */
async function signOutcome(storage: Storage, key: string, options: SignPutOptions): Promise<SignPutCheck & { request?: SignedRequest }> {
  try {
    return { ok: true, request: await storage.signPut(key, options) };
  } catch (error) {
    if (!isStorageError(error) || (error.code !== "Unsupported" && error.code !== "InvalidArgument")) {
      fail(`signPut(${JSON.stringify(options)}) failed with ${isStorageError(error) ? error.code : String(error)}: ${String((error as Error)?.message ?? error)}`);
    }
    return { ok: false, code: error.code, reason: error.message };
  }
}

/** Checks that `checkSignPut` and `signPut` agree on `options`, and returns the answer. */
async function assertAgree(storage: Storage, key: string, options: SignPutOptions, label: string): Promise<SignPutCheck> {
  const check = storage.checkSignPut(options);
  const outcome = await signOutcome(storage, key, options);
  if (check.ok) {
    assertTrue(outcome.ok, `${label}: checkSignPut says ok, but signPut refused it: ${outcome.ok ? "" : outcome.reason}`);
  } else {
    assertTrue(!outcome.ok, `${label}: checkSignPut refuses it (${check.reason}), but signPut minted a URL`);
    if (!outcome.ok) {
      assertEqual(outcome.code, check.code, `${label}: signPut's code equals checkSignPut's`);
      assertEqual(outcome.reason, check.reason, `${label}: signPut's message equals checkSignPut's reason`);
    }
  }
  return check;
}

function describeCombination(names: readonly SignPutConstraint[]): string {
  return names.length === 0 ? "no constraint" : names.join(" + ");
}

export const signPutCombinationCases = [
  defineCase({
    name: "signPut combinations: every combination the capabilities and conflicts allow is signed, and checkSignPut says ok",
    requires: ["signPut"],
    async run(context) {
      const driver = context.fixture.driver;
      const conflicts = driver.signPutConflicts ?? [];
      let allowed = 0;
      for (const names of combinations()) {
        const label = describeCombination(names);
        const options = optionsOf(names);
        const { storage, calls } = recording(context);
        const expected = names.every((name) => claimed(driver, name)) && conflictFor(conflicts, names) === undefined;
        const check = await assertAgree(storage, context.key("combination.bin"), options, label);
        if (!expected) {
          assertTrue(!check.ok, `${label}: refused, as the capabilities or conflicts say`);
          if (!check.ok) assertEqual(check.code, "Unsupported", `${label}: the refusal's code`);
          assertDeepEqual(calls, [], `${label}: the driver was not called`);
          continue;
        }
        allowed++;
        assertDeepEqual(check, { ok: true }, `${label}: checkSignPut`);
        assertEqual(calls.length, 1, `${label}: the driver minted one URL`);
        const received = Object.fromEntries(constraintNames.filter((name) => calls[0]![name] !== undefined).map((name) => [name, calls[0]![name]]));
        assertDeepEqual(received, options, `${label}: the driver received exactly the signed constraints`);
      }
      assertTrue(allowed >= 1, "at least the unconstrained upload is allowed");
    },
  }),
  defineCase({
    name: "signPut combinations: a declared conflict is refused before the driver runs, and checkSignPut gives the same reason",
    requires: ["signPut"],
    async run(context) {
      const driver = context.fixture.driver;
      const own = (driver.signPutConflicts ?? []).filter((conflict) => conflict.constraints.every((name) => claimed(driver, name)));
      // A conflict of this case's own over two constraints the driver claims,
      // so the gating is checked on drivers that declare none.
      const available = constraintNames.filter((name) => claimed(driver, name));
      const tested: { conflict: SignPutConflict; conflicts: readonly SignPutConflict[] }[] = own.map((conflict) => ({
        conflict,
        conflicts: driver.signPutConflicts ?? [],
      }));
      if (available.length >= 2) {
        const [first, second, third] = available as [SignPutConstraint, SignPutConstraint, SignPutConstraint | undefined];
        const synthetic: SignPutConflict = {
          constraints: [first, second],
          ...(third === undefined ? {} : { unless: [third] }),
          reason: "the conformance suite declared this combination refused",
        };
        tested.push({ conflict: synthetic, conflicts: [...(driver.signPutConflicts ?? []), synthetic] });
      }
      assertTrue(tested.length > 0 || available.length < 2, "there is a conflict to test");
      for (const { conflict, conflicts } of tested) {
        const label = describeCombination(conflict.constraints);
        const { storage, calls } = recording(context, { signPutConflicts: conflicts });
        const options = optionsOf(conflict.constraints);
        const check = await assertAgree(storage, context.key("conflict.bin"), options, label);
        if (check.ok) fail(`${label}: checkSignPut accepts a declared conflict`);
        assertEqual(check.code, "Unsupported", `${label}: the refusal's code`);
        for (const name of conflict.constraints) assertTrue(check.reason.includes(name), `${label}: the reason names ${name} (${check.reason})`);
        assertTrue(check.reason.includes(conflict.reason), `${label}: the reason carries the driver's explanation (${check.reason})`);
        assertDeepEqual(calls, [], `${label}: the driver was not called`);
        // Every constraint of `unless` lifts the conflict when the rest allows it.
        for (const lift of conflict.unless ?? []) {
          const names = [...conflict.constraints, lift];
          if (!claimed(driver, lift) || conflictFor(conflicts, names) !== undefined) continue;
          const lifted = await assertAgree(storage, context.key("conflict.bin"), optionsOf(names), describeCombination(names));
          assertDeepEqual(lifted, { ok: true }, `${describeCombination(names)}: ${lift} lifts the conflict`);
          assertEqual(calls.length, 1, `${describeCombination(names)}: the driver minted the URL`);
          calls.length = 0;
        }
      }
    },
  }),
  defineCase({
    name: "signPut combinations: checkSignPut and signPut give the same refusal for a capability that is off, a misspelt option or a bad value",
    requires: [],
    async run(context) {
      const signed: SignedRequest = { url: "https://example.invalid/", method: "PUT", headers: {}, expiresAt: new Date() };
      const on = Object.fromEntries(constraintNames.map((name) => [signPutConstraintCapabilities[name], true]));
      const hints = context.fixture.driver.capabilityHints ?? {};
      const key = context.key("x");
      for (const name of constraintNames) {
        const capability = signPutConstraintCapabilities[name];
        const { storage, calls } = recording(context, {
          capabilities: { ...on, signPut: true, [capability]: false },
          methods: { signPut: async () => signed },
        });
        const check = await assertAgree(storage, key, optionsOf([name]), `${name} with ${capability} off`);
        if (check.ok) fail(`${name} with ${capability} off: checkSignPut says ok`);
        assertEqual(check.code, "Unsupported", `${name}: the refusal's code`);
        assertTrue(check.reason.includes(capability), `${name}: the reason names the capability (${check.reason})`);
        const hint = hints[capability];
        if (hint !== undefined) assertTrue(check.reason.includes(hint), `${name}: the reason carries the driver's hint (${check.reason})`);
        assertDeepEqual(calls, [], `${name}: the driver was not called`);
      }
      const { storage, calls } = recording(context, { capabilities: { ...on, signPut: false } });
      const off = await assertAgree(storage, key, {}, "signPut off");
      if (off.ok) fail("signPut off: checkSignPut says ok");
      assertTrue(off.reason.includes("signPut"), `signPut off: the reason names the capability (${off.reason})`);
      if (hints.signPut !== undefined) assertTrue(off.reason.includes(hints.signPut), `signPut off: the reason carries the driver's hint (${off.reason})`);
      assertDeepEqual(calls, [], "signPut off: the driver was not called");

      const all = recording(context, { capabilities: { ...on, signPut: true }, methods: { signPut: async () => signed } });
      const invalid: [SignPutOptions, string][] = [
        [{ maxsize: 10 } as SignPutOptions, "maxSize"],
        [{ size: -1 }, "size"],
        [{ maxSize: 1.5 }, "maxSize"],
        [{ size: 11, maxSize: 10 }, "maxSize"],
        [{ oneTime: "yes" } as unknown as SignPutOptions, "oneTime"],
        [{ expiresIn: 0 }, "expiresIn"],
        [{ contentType: "not a type" }, "contentType"],
      ];
      for (const [options, named] of invalid) {
        const label = JSON.stringify(options);
        const check = await assertAgree(all.storage, key, options, label);
        if (check.ok) fail(`${label}: checkSignPut says ok`);
        assertEqual(check.code, "InvalidArgument", `${label}: the refusal's code`);
        assertTrue(check.reason.includes(named), `${label}: the reason names ${named} (${check.reason})`);
      }
      assertDeepEqual(all.calls, [], "no invalid options reached the driver");
      assertDeepEqual(all.storage.checkSignPut(optionsOf(constraintNames)), { ok: true }, "every constraint, every capability on");
    },
  }),
];
