import type { CapabilityName, SignPutConflict, SignPutConstraint } from "./capabilities.js";
import type { DriverSignGetOptions, DriverSignPutOptions, StorageDriver } from "./storage-driver.js";
import type { SignGetOptions, SignPutOptions } from "./storage-types.js";
import { StorageError } from "./storage-error.js";
import { assertKnownOptions } from "./known-options.js";
import { signGetOptionNames, signPutOptionNames } from "./operation-options.js";
import {
  invalid,
  isFlagSet,
  isWellFormed,
  validateContentType,
  validateExpiresIn,
  validateNonNegativeInteger,
} from "./validate-options.js";

/** What the signing option checks need from the `Storage` that runs them. */
export interface SigningContext {
  driver: StorageDriver;
  /** The driver's refused signPut combinations, frozen. */
  conflicts: readonly SignPutConflict[];
  defaultExpiresIn: number;
  /** Throws `Unsupported` (with the driver's hint) unless the capability is on. */
  require(capability: CapabilityName, option: string): void;
  /** The driver's hint for switching `capability` on, as a message tail. */
  hint(capability: CapabilityName): string;
}

export type SignPutConstraints = Omit<DriverSignPutOptions, "expiresIn" | "now" | "expiresAt">;
export type SignGetConstraints = Omit<DriverSignGetOptions, "expiresIn" | "now" | "expiresAt">;

/**
 * Validates signPut options: known names, values, capabilities and the
 * driver's conflicts. Throws the `StorageError` signPut rejects with, so
 * `checkSignPut` and `signPut` can never disagree.
 */
export function normalizeSignPutOptions(
  options: SignPutOptions,
  context: SigningContext,
): { expiresIn: number; constraints: SignPutConstraints } {
  const expiresIn = signingExpiresIn(options, signPutOptionNames, "signPut", "uploads", context);
  const constraints: SignPutConstraints = {};
  if (options.contentType !== undefined) {
    context.require("signPutContentType", "contentType");
    constraints.contentType = validateContentType(options.contentType);
  }
  if (options.size !== undefined) {
    context.require("signPutSize", "size");
    constraints.size = validateNonNegativeInteger(options.size, "size");
  }
  if (options.maxSize !== undefined) {
    context.require("signPutMaxSize", "maxSize");
    constraints.maxSize = validateNonNegativeInteger(options.maxSize, "maxSize");
  }
  if (constraints.size !== undefined && constraints.maxSize !== undefined && constraints.size > constraints.maxSize) {
    throw invalid(`size (${constraints.size}) is larger than maxSize (${constraints.maxSize})`);
  }
  if (isFlagSet(options.oneTime, "oneTime")) {
    context.require("signPutOneTime", "oneTime");
    constraints.oneTime = true;
  }
  if (isFlagSet(options.ifNotExists, "ifNotExists")) {
    context.require("signPutIfNotExists", "ifNotExists");
    constraints.ifNotExists = true;
  }
  const set = (name: SignPutConstraint): boolean => constraints[name] !== undefined;
  for (const conflict of context.conflicts) {
    if (conflict.constraints.every(set) && !(conflict.unless ?? []).some(set)) {
      throw new StorageError(
        "Unsupported",
        `The ${context.driver.name} driver cannot combine ${conflict.constraints.join(" with ")} in one signed upload: ${conflict.reason}`,
      );
    }
  }
  return { expiresIn, constraints };
}

/** Validates signGet options: known names, values and capabilities. */
export function normalizeSignGetOptions(
  options: SignGetOptions,
  context: SigningContext,
): { expiresIn: number; constraints: SignGetConstraints } {
  const expiresIn = signingExpiresIn(options, signGetOptionNames, "signGet", "downloads", context);
  const constraints: SignGetConstraints = {};
  if (options.downloadFilename !== undefined) {
    const name = options.downloadFilename;
    if (typeof name !== "string" || name.length === 0 || name.length > 1024 || /[\x00-\x1f\x7f]/.test(name)) {
      throw invalid("downloadFilename must be 1-1024 characters without control characters");
    }
    if (!isWellFormed(name)) throw invalid("downloadFilename must be well-formed Unicode (it has a lone surrogate)");
    constraints.downloadFilename = name;
  }
  if (options.responseContentType !== undefined) {
    constraints.responseContentType = validateContentType(options.responseContentType, "responseContentType");
  }
  if (isFlagSet(options.inline, "inline")) {
    if (constraints.downloadFilename !== undefined) {
      throw invalid("inline cannot be combined with downloadFilename (a download name is served as an attachment)");
    }
    constraints.inline = true;
  }
  return { expiresIn, constraints };
}

/** What signPut and signGet check first: option names, the capability and the method; then the expiry. */
function signingExpiresIn(
  options: SignPutOptions | SignGetOptions,
  names: readonly string[],
  method: "signPut" | "signGet",
  what: string,
  context: SigningContext,
): number {
  assertKnownOptions(options, names, `${method} options`);
  context.require(method, method);
  if (typeof context.driver[method] !== "function") {
    throw new StorageError("Unsupported", `The ${context.driver.name} driver cannot sign ${what}${context.hint(method)}`);
  }
  return validateExpiresIn(options.expiresIn, context.defaultExpiresIn);
}
