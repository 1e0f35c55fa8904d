import { Storage, withPrefix, type StorageDriver } from "@stowage/core";
import { describe, describeValue, invalid, isPlainObject } from "./config-values.js";
import { callFactory, driverLoaders } from "./driver-loaders.js";
import { checkConfig, type OpenStorageConfig } from "./open-storage-config.js";
import { parseAzureUrl } from "./parse-azure-url.js";
import { parseFileUrl } from "./parse-file-url.js";
import { checkS3ProfileName, detectProfile, parseS3Url } from "./parse-s3-url.js";
import { applyEncryption, encryptionKeyring, encryptionPlan, loadEncryption } from "./encryption-option.js";
import { signingOption } from "./signing-option.js";
import { resolvePublicBaseUrl, takeStorageUrlParameters } from "./storage-url-parameters.js";

export type { OpenStorageConfig, OpenStorageCredentials } from "./open-storage-config.js";
export type { OpenStorageEncryption, OpenStorageKeyring } from "./encryption-option.js";
export { loadFailure } from "./driver-loaders.js";

const supportedSchemes = "memory://, file:///absolute/path, file:./relative/path, s3://bucket?region=…, r2:// and azure://container";

/**
 * Opens a `Storage` from configuration, so the provider is swapped by a URL:
 *
 * | URL | driver package |
 * |---|---|
 * | `memory://` | `@stowage/memory` |
 * | `file:///abs/path`, `file:./relative` | `@stowage/fs` |
 * | `s3://bucket[/prefix]?region=…&endpoint=…&forcePathStyle=true&profile=…&signingEndpoint=…&multipartCopyThreshold=…&expiry=true` | `@stowage/s3` |
 * | `r2://` with `binding` | `@stowage/r2` |
 * | `azure://container[/prefix]?endpoint=…` | `@stowage/azure` |
 *
 * Every scheme takes `?publicBaseUrl=https://cdn.example.com/files/` (or
 * `storageOptions.publicBaseUrl`): the URL objects are publicly served
 * under, for `storage.publicUrl(key)`.
 *
 * With no URL it reads the `STORAGE_URL` environment variable; signing
 * secrets come from `config.signing` (or `STORAGE_SIGNING_SECRETS` with
 * `STORAGE_SIGNING_BASE_URL`), never from the URL. The driver
 * package is imported only when its scheme is used; the driver packages are
 * optional peer dependencies of `@stowage/open`, so install the ones you use.
 *
 * S3 credentials come from `config.credentials` or the standard AWS
 * environment variables, never from the URL. A path after an S3 bucket scopes
 * every key under it (`withPrefix`). The `endpoint` defaults to
 * `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`, the region to `AWS_REGION`,
 * `AWS_DEFAULT_REGION`, else `us-east-1`.
 *
 * Azure's account comes from `AZURE_STORAGE_ACCOUNT` and `AZURE_STORAGE_KEY`,
 * never from the URL; the endpoint from `endpoint=`, else
 * `AZURE_BLOB_ENDPOINT`, else `https://<account>.blob.core.windows.net`.
 *
 * The S3 profile (the server's quirks and what it can do) is `profile=` when
 * given (an unknown name is `InvalidArgument` listing the valid ones). Without
 * it: `aws` for no endpoint or an AWS one, `r2` for an R2 endpoint, both
 * without any request; for any other endpoint one HeadBucket is sent before
 * the driver is built and the server is recognised by its response headers
 * (Ceph RGW, OpenStack Swift). A server that is not recognised, or does not
 * answer, gets the conservative `generic` profile: conditional puts are then
 * refused with `Unsupported` and a message naming `profile=`.
 *
 * @throws StorageError `InvalidArgument` for a missing, malformed or
 *   unsupported URL (the message says what is wrong and never echoes
 *   credentials); `Unsupported` when the scheme's driver package is not
 *   installed (the message names the package to install).
 */
export async function openStorage(config: string | OpenStorageConfig = {}): Promise<Storage> {
  const options: OpenStorageConfig = typeof config === "string" ? { url: config } : config;
  if (!isPlainObject(options as unknown)) {
    throw invalid(`openStorage takes a URL string or an options object (got ${describeValue(options)})`);
  }
  checkConfig(options);
  const env = options.env ?? defaultEnv();
  const url = options.url ?? env.STORAGE_URL;
  if (url === undefined || url === "") {
    throw invalid(`openStorage needs a URL: pass one, or set STORAGE_URL (supported: ${supportedSchemes})`);
  }
  if (typeof url !== "string") throw invalid("The storage URL must be a string");
  const parameters = takeStorageUrlParameters(url.trim());
  const publicBaseUrl = resolvePublicBaseUrl(parameters.publicBaseUrl, options.storageOptions?.publicBaseUrl);
  const encryption = encryptionPlan(options.encryption, env);
  // Loaded, and the keyring checked, before the driver is built (and before an S3 probe is sent).
  const encryptionModule = encryption === undefined ? undefined : await loadEncryption();
  const keyring = encryption === undefined ? undefined : encryptionKeyring(encryptionModule!, encryption);
  // Encrypted: the driver signs nothing itself (not even S3 natively); signed URLs go through the layer's gateway signer.
  let driver = await openDriver(parameters.url, options, env, encryption === undefined);
  if (encryption !== undefined) driver = applyEncryption(encryptionModule!, driver, keyring!, encryption.plaintext, signingOption(options, env).signing);
  return new Storage(driver, { ...options.storageOptions, ...(publicBaseUrl === undefined ? {} : { publicBaseUrl }) });
}

async function openDriver(url: string, options: OpenStorageConfig, env: Record<string, string | undefined>, driverSigns: boolean): Promise<StorageDriver> {
  const signing = driverSigns ? signingOption(options, env) : {};
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  if (schemeMatch === null) {
    throw invalid(`The storage URL ${describe(url)} has no scheme; use one of ${supportedSchemes}`);
  }
  const scheme = schemeMatch[1]!.toLowerCase();
  const extra = options.driverOptions ?? {};
  switch (scheme) {
    case "memory": {
      if (!/^memory:(\/\/)?$/i.test(url)) {
        throw invalid(`A memory URL takes no host, path or query (other than ?publicBaseUrl=): use "memory://" (got ${describe(url)})`);
      }
      const module = await driverLoaders["@stowage/memory"]!();
      return callFactory(module, "memoryDriver", "@stowage/memory", { ...signing, ...extra });
    }
    case "file": {
      const root = parseFileUrl(url);
      const module = await driverLoaders["@stowage/fs"]!();
      return callFactory(module, "fsDriver", "@stowage/fs", { root, ...signing, ...extra });
    }
    case "s3": {
      const { prefix, ...s3Options } = parseS3Url(url, options, env);
      const module = await driverLoaders["@stowage/s3"]!();
      const driverOptions: Record<string, unknown> = { ...s3Options, ...extra };
      if (s3Options.profile !== undefined) checkS3ProfileName(module, s3Options.profile);
      else if (driverOptions.profile === undefined) await detectProfile(module, driverOptions);
      const driver = callFactory(module, "s3Driver", "@stowage/s3", driverOptions);
      return prefix === undefined ? driver : withPrefix(driver, prefix);
    }
    case "r2": {
      if (!/^r2:(\/\/)?$/i.test(url)) {
        throw invalid(
          `An R2 URL takes no host, path or query (other than ?publicBaseUrl=): use "r2://" and pass the bucket binding as the binding option (got ${describe(url)})`,
        );
      }
      if (options.binding === undefined || options.binding === null) {
        throw invalid('r2:// needs the bucket binding: openStorage({ url: "r2://", binding: env.BUCKET })');
      }
      const module = await driverLoaders["@stowage/r2"]!();
      return callFactory(module, "r2Driver", "@stowage/r2", { bucket: options.binding, ...signing, ...extra });
    }
    case "azure": {
      const { prefix, ...azureOptions } = parseAzureUrl(url, options, env);
      if (prefix !== undefined && signing.signing !== undefined) {
        // The gateway signs the container's own keys, and createSignedUrlHandler serves them through the
        // storage it is given: over this prefixed storage the prefix would be applied twice.
        throw invalid(
          `An azure:// URL with a key prefix (${describe(prefix)}) cannot be combined with gateway signing (signing or STORAGE_SIGNING_SECRETS): ` +
            "the signed-URL handler would apply the prefix twice. Use a container of its own (azure://container), or drop the gateway secrets to sign SAS URLs",
        );
      }
      const module = await driverLoaders["@stowage/azure"]!();
      // With gateway secrets, signed URLs (and upload sessions) go through the gateway instead of SAS.
      const driver = callFactory(module, "azureDriver", "@stowage/azure", { ...azureOptions, ...signing, ...extra });
      return prefix === undefined ? driver : withPrefix(driver, prefix);
    }
    case "http":
    case "https":
      throw invalid(
        `${scheme}:// is not a storage URL; for an S3-compatible server use s3://bucket?endpoint=${scheme}://host:port&forcePathStyle=true`,
      );
    default:
      throw invalid(`Unknown storage scheme "${scheme}:"; use one of ${supportedSchemes}`);
  }
}

function defaultEnv(): Record<string, string | undefined> {
  const process = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return process?.env ?? {};
}
