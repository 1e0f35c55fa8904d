import {
  StorageError,
  assertKnownOptions,
  hmacSigningHints,
  toUrlSigner,
  type Capabilities,
  type CapabilityHints,
  type CapabilityName,
  type HmacSignerOptions,
  type StorageDriver,
  type UrlSigner,
} from "@stowage/core";
import { encryptedCopy } from "./encrypted-copy.js";
import { encryptedGet } from "./encrypted-get.js";
import { encryptedPut } from "./encrypted-put.js";
import { listedInfo, metadataBudgetOf, plainInfo, type EncryptionContext } from "./encryption-context.js";
import type { Keyring } from "./keyring.js";

export interface WithEncryptionOptions {
  /** The key-encryption keys: the primary wraps new objects, every one unwraps. */
  keyring: Keyring;
  /**
   * What to do with an object that is not in the format (no record): refuse
   * it with `Corrupted` (the default), or `"allow"` it as-is: a migration
   * mode, with no tamper detection for such objects.
   */
  plaintext?: "refuse" | "allow";
  /**
   * Gateway signing: `{ secrets, baseUrl }` (the HMAC signer) or a
   * `UrlSigner`, its URLs served by `@stowage/http`'s
   * `createSignedUrlHandler` over `createStorage(` this layered driver `)`,
   * so uploads are encrypted and downloads decrypted by the handler. The
   * inner driver's native presigning is never used.
   */
  signing?: UrlSigner | HmacSignerOptions;
  /** @internal Randomness for data keys and wrap nonces (known-answer tests). */
  randomBytes?: (length: number) => Uint8Array;
}

const signingNames = ["signGet", "signPut", "signPutContentType", "signPutSize", "signPutMaxSize", "signPutOneTime", "signPutIfNotExists", "signGetExpiry"] as const;

const publicUrlReason =
  "the stored bytes are ciphertext, so an unsigned public URL would serve them encrypted; sign GETs through the gateway (withEncryption's `signing`, served by @stowage/http) instead";

const uploadHint =
  "upload sessions are off through withEncryption: parts would reach the backend unencrypted; put a stream instead (it is encrypted as it streams)";

/**
 * Encrypts every object at rest, for any driver: a `StorageDriver` in, a
 * `StorageDriver` out (named `<inner>+encryption`). Bodies are AES-256-GCM
 * in 64 KiB segments under a per-object data key, wrapped by a keyring key;
 * sizes, ranges, etags and conditionals behave as the driver contract says,
 * in plaintext terms. Tampering reads as `Corrupted`.
 *
 * ```ts
 * const storage = createStorage(withEncryption(s3Driver(...), {
 *   keyring: keyringFromEnvironment(process.env.STORAGE_ENCRYPTION_KEYS),
 *   signing: { secrets, baseUrl: "https://app.example.com/__storage" },
 * }));
 * ```
 */
export function withEncryption(driver: StorageDriver, options: WithEncryptionOptions): StorageDriver {
  assertKnownOptions(options, ["keyring", "plaintext", "signing", "randomBytes"], "withEncryption options");
  if (options.keyring === undefined || typeof options.keyring.kek !== "function") {
    throw new StorageError("InvalidArgument", "withEncryption needs { keyring } (from keyring() or keyringFromEnvironment())");
  }
  const plaintext = options.plaintext ?? "refuse";
  if (plaintext !== "refuse" && plaintext !== "allow") throw new StorageError("InvalidArgument", 'withEncryption: plaintext must be "refuse" or "allow"');
  const random = options.randomBytes ?? ((length: number) => crypto.getRandomValues(new Uint8Array(length)));
  const context: EncryptionContext = { driver, keys: options.keyring, plaintext, random };
  const signer = options.signing === undefined ? undefined : toUrlSigner(options.signing);
  const capabilities = layerCapabilities(driver, signer);

  const layered: StorageDriver = {
    name: `${driver.name}+encryption`,
    capabilities,
    raw: driver.raw,
    ...(signer?.signPutConflicts === undefined ? {} : { signPutConflicts: signer.signPutConflicts }),
    capabilityHints: layerHints(capabilities, signer !== undefined),
    // The record shares the backend's metadata: Storage refuses more than what is left before a byte is sent.
    maxMetadataBytes: metadataBudgetOf(driver),
    publicUrlRefusal: publicUrlReason,
    put: (key, body, putOptions) => encryptedPut(context, key, body, putOptions),
    get: (key, getOptions) => encryptedGet(context, key, getOptions),
    async head(key, headOptions) {
      const info = await driver.head(key, headOptions);
      return info === null ? null : plainInfo(context, info, key);
    },
    async list(listOptions) {
      const page = await driver.list(listOptions);
      return { ...page, objects: page.objects.map(listedInfo) };
    },
    delete: (keys, deleteOptions) => driver.delete(keys, deleteOptions),
    copy: (from, to, copyOptions) => encryptedCopy(context, from, to, copyOptions),
  };
  if (signer !== undefined) {
    layered.signPut = (key, signOptions) => signer.signPut(key, signOptions);
    layered.signGet = (key, signOptions) => signer.signGet(key, signOptions);
  }
  return layered;
}

function layerCapabilities(driver: StorageDriver, signer: UrlSigner | undefined): Capabilities {
  const inner = driver.capabilities;
  const capabilities: Capabilities = {
    ...inner,
    sha256: true,
    multipartUpload: false,
    signUploadPart: false,
    uploadIfNotExists: false,
    copy: true,
    serverSideCopy: driver.copy !== undefined && inner.copy && inner.serverSideCopy,
    copyIfMatch: driver.copy !== undefined && inner.copy ? inner.copyIfMatch : inner.conditionalGet,
    copyIfNotExists: driver.copy !== undefined && inner.copy ? inner.copyIfNotExists : inner.putIfNotExists,
  };
  for (const name of signingNames) capabilities[name] = signer !== undefined && signer.capabilities[name] === true;
  if (signer !== undefined) capabilities.signGet = capabilities.signPut = true;
  return capabilities;
}

function layerHints(capabilities: Capabilities, signed: boolean): CapabilityHints {
  const hints: Partial<Record<CapabilityName, string>> = { ...hmacSigningHints("withEncryption()", capabilities, signed) };
  if (!signed) {
    for (const name of signingNames) {
      hints[name] = `${hints[name] ?? ""}; on an encrypted storage signed URLs go through the gateway only (a native presigned URL would carry ciphertext or accept plaintext)`;
    }
  }
  hints.multipartUpload = hints.signUploadPart = hints.uploadIfNotExists = uploadHint;
  return Object.freeze(hints);
}
