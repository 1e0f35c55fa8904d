import { createStorage, isStorageError, noCapabilities, withPrefix, type SignPutConflict, type StorageDriver } from "@stowage/core";
import { describe, expect, it } from "vitest";
import { spyDriver } from "./spy-driver.ts";

const allSigning = {
  signPut: true,
  signGet: true,
  signPutContentType: true,
  signPutSize: true,
  signPutMaxSize: true,
  signPutOneTime: true,
  signPutIfNotExists: true,
};

function withConflicts(conflicts: unknown, hints?: unknown): StorageDriver {
  const driver = spyDriver({ signing: true, capabilities: allSigning });
  return Object.assign(Object.create(driver) as StorageDriver, {
    calls: driver.calls,
    signPutConflicts: conflicts,
    ...(hints === undefined ? {} : { capabilityHints: hints }),
  });
}

describe("checkSignPut", () => {
  it("answers without calling the driver or the clock", () => {
    const driver = spyDriver({ signing: true, capabilities: allSigning });
    const storage = createStorage(driver, {
      clock: () => {
        throw new Error("the clock was read");
      },
    });
    expect(storage.checkSignPut({ contentType: "image/png", size: 10, maxSize: 20, oneTime: true, ifNotExists: true })).toEqual({ ok: true });
    expect(storage.checkSignPut()).toEqual({ ok: true });
    expect(driver.calls).toEqual([]);
  });

  it("returns, never throws, for options that are not an object", () => {
    const storage = createStorage(spyDriver({ signing: true, capabilities: allSigning }));
    for (const options of [null, "x", [], 5]) {
      const check = storage.checkSignPut(options as never);
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.code).toBe("InvalidArgument");
    }
  });

  it("freezes the driver's conflicts at createStorage, as it freezes capabilities", async () => {
    const conflicts: SignPutConflict[] = [{ constraints: ["size", "oneTime"], reason: "no" }];
    const storage = createStorage(withConflicts(conflicts));
    conflicts.length = 0;
    expect(storage.checkSignPut({ size: 1, oneTime: true }).ok).toBe(false);
    await expect(storage.signPut("a", { size: 1, oneTime: true })).rejects.toMatchObject({ code: "Unsupported" });
  });

  it("a conflict with unless is lifted by any of its unless constraints", () => {
    const storage = createStorage(withConflicts([{ constraints: ["maxSize", "ifNotExists"], unless: ["size"], reason: "POST" }]));
    expect(storage.checkSignPut({ maxSize: 5, ifNotExists: true })).toMatchObject({ ok: false, code: "Unsupported" });
    expect(storage.checkSignPut({ maxSize: 5, ifNotExists: true, contentType: "text/plain" }).ok).toBe(false);
    expect(storage.checkSignPut({ size: 5, maxSize: 5, ifNotExists: true })).toEqual({ ok: true });
    expect(storage.checkSignPut({ maxSize: 5, ifNotExists: false })).toEqual({ ok: true });
  });

  it("createStorage refuses malformed conflicts and hints with InvalidArgument", () => {
    for (const conflicts of [
      "size",
      [null],
      [{ constraints: ["size"], reason: "one constraint is no combination" }],
      [{ constraints: ["size", "maxsize"], reason: "misspelt" }],
      [{ constraints: ["size", "oneTime"] }],
      [{ constraints: ["size", "oneTime"], unless: "maxSize", reason: "x" }],
    ]) {
      let error: unknown;
      try {
        createStorage(withConflicts(conflicts));
      } catch (caught) {
        error = caught;
      }
      expect(isStorageError(error, "InvalidArgument"), JSON.stringify(conflicts)).toBe(true);
      expect((error as Error).message).toContain("signPutConflicts");
    }
    expect(() => createStorage(withConflicts(undefined, "hint"))).toThrow(/capabilityHints/);
  });

  it("a capability that is off carries the driver's hint; without one the message names the capability only", async () => {
    const hinted = createStorage(
      Object.assign(Object.create(spyDriver()) as StorageDriver, {
        capabilities: noCapabilities,
        capabilityHints: { signPut: "pass signing to myDriver()" },
      }),
    );
    const check = hinted.checkSignPut();
    expect(check).toEqual({
      ok: false,
      code: "Unsupported",
      reason: "The spy driver does not support signPut (capability signPut is off): pass signing to myDriver()",
    });
    const plain = createStorage(spyDriver());
    const error = await plain.signGet("a").catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/capability signGet is off\)$/);
  });

  it("withPrefix passes the conflicts and hints on", () => {
    const conflicts: SignPutConflict[] = [{ constraints: ["size", "oneTime"], reason: "no" }];
    const layered = withPrefix(withConflicts(conflicts, { signGet: "hint" }), "t/");
    expect(layered.signPutConflicts).toBe(conflicts);
    expect(layered.capabilityHints).toEqual({ signGet: "hint" });
    expect(createStorage(layered).checkSignPut({ size: 1, oneTime: true }).ok).toBe(false);
  });
});
