import { signPutConstraintCapabilities, type SignPutConflict } from "./capabilities.js";
import type { StorageDriver } from "./storage-driver.js";
import { describe } from "./known-options.js";

/** Why `value` is not a usable StorageDriver, or `undefined`. */
export function driverProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return `got ${value === null ? "null" : typeof value}`;
  const driver = value as Partial<Record<keyof StorageDriver, unknown>>;
  if (typeof driver.name !== "string") return "it has no name";
  if (driver.capabilities === null || typeof driver.capabilities !== "object") return "it has no capabilities";
  for (const method of ["put", "get", "head", "list", "delete"] as const) {
    if (typeof driver[method] !== "function") return `it has no ${method} method`;
  }
  if (driver.signPutConflicts !== undefined) {
    if (!Array.isArray(driver.signPutConflicts)) return "its signPutConflicts is not an array";
    for (const conflict of driver.signPutConflicts as unknown[]) {
      const problem = conflictProblem(conflict);
      if (problem !== undefined) return `its signPutConflicts has ${problem}`;
    }
  }
  if (driver.capabilityHints !== undefined && (driver.capabilityHints === null || typeof driver.capabilityHints !== "object")) {
    return "its capabilityHints is not an object";
  }
  const limit = driver.maxMetadataBytes;
  if (limit !== undefined && (typeof limit !== "number" || !Number.isInteger(limit) || limit < 0)) return "its maxMetadataBytes is not a non-negative integer";
  if (driver.publicUrlRefusal !== undefined && (typeof driver.publicUrlRefusal !== "string" || driver.publicUrlRefusal === "")) {
    return "its publicUrlRefusal is not a non-empty string";
  }
  return undefined;
}

/** Why `value` is not a `SignPutConflict`, or `undefined`. */
function conflictProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return `an entry that is ${describe(value)}`;
  const { constraints, unless, reason } = value as Record<string, unknown>;
  const names = (list: unknown): boolean =>
    Array.isArray(list) && list.every((name) => typeof name === "string" && Object.hasOwn(signPutConstraintCapabilities, name));
  if (!names(constraints) || (constraints as unknown[]).length < 2) return "an entry whose constraints are not two or more signPut constraint names";
  if (unless !== undefined && !names(unless)) return "an entry whose unless is not a list of signPut constraint names";
  if (typeof reason !== "string" || reason.length === 0) return "an entry without a reason";
  return undefined;
}

/** A driver's refused signPut combinations, copied and frozen. */
export function freezeConflicts(conflicts: readonly SignPutConflict[] | undefined): readonly SignPutConflict[] {
  return Object.freeze(
    (conflicts ?? []).map((conflict) =>
      Object.freeze({
        constraints: Object.freeze([...conflict.constraints]),
        ...(conflict.unless === undefined ? {} : { unless: Object.freeze([...conflict.unless]) }),
        reason: conflict.reason,
      }),
    ),
  );
}
