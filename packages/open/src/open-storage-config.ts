import { assertKnownOptions, type HmacSignerOptions, type StorageOptions, type UrlSigner } from "@stowage/core";
import { describeValue, invalid, isPlainObject, storageOptionNames } from "./config-values.js";
import type { OpenStorageEncryption } from "./encryption-option.js";

/** S3 credentials. Never put them in the URL. */
export interface OpenStorageCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * How `openStorage` opens a store: a URL (or `STORAGE_URL`) plus what a URL
 * must never carry (credentials, secrets, bindings).
 */
export interface OpenStorageConfig {
  /**
   * The storage URL: `memory://`, `file:///abs/path`, `file:./relative`,
   * `s3://bucket[/prefix]?region=…&endpoint=…&forcePathStyle=true&profile=…&signingEndpoint=…&multipartCopyThreshold=…&expiry=true`
   * or `r2://`. Every scheme also takes `?publicBaseUrl=…` (see
   * `storageOptions.publicBaseUrl`). Defaults to the `STORAGE_URL`
   * environment variable.
   */
  url?: string;
  /**
   * Signs URLs for drivers without native presigning (memory, fs, and R2
   * through a gateway): `{ secrets, baseUrl }` for the HMAC signer (served by
   * `createSignedUrlHandler` from `@stowage/http` mounted at `baseUrl`), or a
   * ready `UrlSigner`. Default: from `STORAGE_SIGNING_SECRETS` and
   * `STORAGE_SIGNING_BASE_URL` in `env` when both are set. S3 signs natively
   * and ignores it.
   */
  signing?: UrlSigner | HmacSignerOptions;
  /**
   * S3 credentials. Default: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
   * `AWS_SESSION_TOKEN` from `env`; when those are absent too, the AWS SDK's
   * own provider chain.
   */
  credentials?: OpenStorageCredentials;
  /** The R2 bucket binding (`env.BUCKET` in a Worker); required for `r2://`. */
  binding?: unknown;
  /** Extra options merged last into the driver factory's options (for example `{ client }` for S3). */
  driverOptions?: Record<string, unknown>;
  /**
   * Options for the returned `Storage` (clock, default expiry,
   * `publicBaseUrl`). `publicBaseUrl` may instead come from the URL's
   * `publicBaseUrl=` parameter; given in both with different values, it is
   * refused.
   */
  storageOptions?: StorageOptions;
  /**
   * The environment to read `STORAGE_URL` and the AWS variables from.
   * Default: `globalThis.process?.env` where it exists (Node, Bun, Deno with
   * Node compatibility), else nothing.
   */
  env?: Record<string, string | undefined>;
  /**
   * Encryption at rest (`withEncryption` from `@stowage/encryption`, an
   * optional peer): `{ keyring, plaintext? }`. Default: from
   * `STORAGE_ENCRYPTION_KEYS` in `env` (`id:base64secret,...`, the first
   * is the primary; a secret under 32 bytes is refused) and
   * `STORAGE_ENCRYPTION_PLAINTEXT=allow` (migration mode). `false` opens
   * the storage unencrypted even when the variable is set: the inner
   * storage that `rotateKeys` and `encryptExisting` take. Signed URLs on
   * an encrypted storage go through the gateway (`signing`) only, on S3
   * too.
   */
  encryption?: OpenStorageEncryption | false;
}

const configNames = ["url", "signing", "credentials", "binding", "driverOptions", "storageOptions", "env", "encryption"] as const;
const credentialNames = ["accessKeyId", "secretAccessKey", "sessionToken"] as const;
const hmacSigningNames = ["secrets", "baseUrl"] as const;

/**
 * Refuses unknown keys in the config and in its nested option objects, with
 * the nearest known name: a misspelt option is never dropped. The driver
 * factory checks `driverOptions` itself, and `Storage` checks the values of
 * `storageOptions`.
 */
export function checkConfig(options: OpenStorageConfig): void {
  assertKnownOptions(options, configNames, "openStorage options");
  const signing: unknown = options.signing;
  // A UrlSigner is an object with methods; anything else must be { secrets, baseUrl }.
  const isSigner = typeof signing === "object" && signing !== null && typeof (signing as UrlSigner).signPut === "function";
  if (signing !== undefined && !isSigner) {
    assertKnownOptions(signing, hmacSigningNames, "openStorage options.signing (a UrlSigner or { secrets, baseUrl })");
  }
  assertKnownOptions(options.credentials, credentialNames, "openStorage options.credentials");
  assertKnownOptions(options.storageOptions, storageOptionNames, "openStorage options.storageOptions");
  if (options.driverOptions !== undefined && !isPlainObject(options.driverOptions)) {
    throw invalid(`openStorage options.driverOptions must be a plain object (got ${describeValue(options.driverOptions)})`);
  }
  if (options.env !== undefined && (options.env === null || typeof options.env !== "object" || Array.isArray(options.env))) {
    throw invalid(`openStorage options.env must be an object of environment variables (got ${describeValue(options.env)})`);
  }
}
