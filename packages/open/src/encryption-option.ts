import { StorageError, type StorageDriver, type UrlSigner } from "@stowage/core";
import { invalid, isPlainObject, describeValue } from "./config-values.js";
import { loadFailure, type DriverModule } from "./driver-loaders.js";

/**
 * A keyring as `@stowage/encryption`'s `keyring()` or
 * `keyringFromEnvironment()` makes it (typed structurally, so
 * `@stowage/open` does not need the package to type-check).
 */
export interface OpenStorageKeyring {
  readonly primary: string;
  readonly ids: readonly string[];
  kek(id: string): Promise<unknown>;
}

/** `openStorage`'s `encryption` option. */
export interface OpenStorageEncryption {
  /** The key-encryption keys (`keyring()` from `@stowage/encryption`). */
  keyring: OpenStorageKeyring;
  /** `"allow"` reads objects that are not encrypted as-is (migration mode); default `"refuse"`. */
  plaintext?: "refuse" | "allow";
}

/** How the driver gets wrapped: not at all, or with this keyring (from config, or from `STORAGE_ENCRYPTION_KEYS`). */
export type EncryptionPlan = { keyring?: OpenStorageKeyring; keys?: string; plaintext?: "refuse" | "allow" } | undefined;

const encryptionNames = ["keyring", "plaintext"] as const;

/**
 * The encryption `openStorage` applies: `config.encryption` when given
 * (`false` turns it off even when the variable is set: that opens the
 * inner storage, for `rotateKeys` and `encryptExisting`), else
 * `STORAGE_ENCRYPTION_KEYS` (`id:base64secret,...`, the first is the
 * primary) with `STORAGE_ENCRYPTION_PLAINTEXT=allow` for migration mode.
 */
export function encryptionPlan(option: OpenStorageEncryption | false | undefined, env: Record<string, string | undefined>): EncryptionPlan {
  if (option === false) return undefined;
  if (option !== undefined) {
    if (!isPlainObject(option)) throw invalid(`openStorage options.encryption must be { keyring, plaintext? } or false (got ${describeValue(option)})`);
    const unknown = Object.keys(option).find((name) => !(encryptionNames as readonly string[]).includes(name));
    if (unknown !== undefined) throw invalid(`openStorage options.encryption has an unknown option ${unknown} (known: keyring, plaintext)`);
    if (option.keyring === undefined || typeof option.keyring.kek !== "function") {
      throw invalid("openStorage options.encryption needs a keyring: keyring({ keys: [{ id, secret }] }) from @stowage/encryption");
    }
    return { keyring: option.keyring, ...(option.plaintext === undefined ? {} : { plaintext: option.plaintext }) };
  }
  const keys = env.STORAGE_ENCRYPTION_KEYS;
  if (keys === undefined || keys === "") return undefined;
  const plaintext = env.STORAGE_ENCRYPTION_PLAINTEXT;
  if (plaintext !== undefined && plaintext !== "" && plaintext !== "allow" && plaintext !== "refuse") {
    throw invalid(`STORAGE_ENCRYPTION_PLAINTEXT must be "allow" or "refuse" (got ${describeValue(plaintext)})`);
  }
  return { keys, ...(plaintext === "allow" || plaintext === "refuse" ? { plaintext } : {}) };
}

/** Loads `@stowage/encryption` (an optional peer), naming it when it is missing. */
export async function loadEncryption(): Promise<DriverModule> {
  try {
    return await import(("@stowage/encryption"));
  } catch (error) {
    throw encryptionLoadFailure(error);
  }
}

/** The failure to load `@stowage/encryption`, saying why it was needed. */
export function encryptionLoadFailure(error: unknown): StorageError {
  const failure = loadFailure("@stowage/encryption", error);
  if (failure.code !== "Unsupported") return failure;
  return new StorageError(
    "Unsupported",
    'Encryption is configured (STORAGE_ENCRYPTION_KEYS or options.encryption), so openStorage needs the @stowage/encryption package: install it with "npm install @stowage/encryption"',
    { cause: error },
  );
}

/** The keyring: the one given, or one from `STORAGE_ENCRYPTION_KEYS` (its errors are the keyring's: a secret under 32 bytes is `InvalidArgument`). */
export function encryptionKeyring(module: DriverModule, plan: NonNullable<EncryptionPlan>): OpenStorageKeyring {
  if (plan.keyring !== undefined) return plan.keyring;
  const fromEnvironment = module.keyringFromEnvironment;
  if (typeof fromEnvironment !== "function") throw mismatch("keyringFromEnvironment");
  return (fromEnvironment as (value: string) => OpenStorageKeyring)(plan.keys!);
}

/** Wraps the driver with `withEncryption`; signed URLs, when configured, go through the gateway signer. */
export function applyEncryption(
  module: DriverModule,
  driver: StorageDriver,
  keyring: OpenStorageKeyring,
  plaintext: "refuse" | "allow" | undefined,
  signing: UrlSigner | undefined,
): StorageDriver {
  const withEncryption = module.withEncryption;
  if (typeof withEncryption !== "function") throw mismatch("withEncryption");
  const options: Record<string, unknown> = { keyring };
  if (plaintext !== undefined) options.plaintext = plaintext;
  if (signing !== undefined) options.signing = signing;
  return (withEncryption as (driver: StorageDriver, options: Record<string, unknown>) => StorageDriver)(driver, options);
}

function mismatch(name: string): StorageError {
  return new StorageError("Unsupported", `The installed @stowage/encryption has no ${name}(); install a version that matches @stowage/open`);
}
