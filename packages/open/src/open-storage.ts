import {
  Storage,
  StorageError,
  assertKnownOptions,
  nearestOption,
  toUrlSigner,
  withPrefix,
  type HmacSecret,
  type HmacSignerOptions,
  type StorageDriver,
  type StorageOptions,
  type UrlSigner,
} from "@stowage/core";
import { describeValue, isPlainObject, storageOptionNames } from "./config-values.js";

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
   * `s3://bucket[/prefix]?region=…&endpoint=…&forcePathStyle=true&profile=…`
   * or `r2://`. Defaults to the `STORAGE_URL` environment variable.
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
  /** Options for the returned `Storage` (clock, default expiry). */
  storageOptions?: StorageOptions;
  /**
   * The environment to read `STORAGE_URL` and the AWS variables from.
   * Default: `globalThis.process?.env` where it exists (Node, Bun, Deno with
   * Node compatibility), else nothing.
   */
  env?: Record<string, string | undefined>;
}

/** A driver package as `openStorage` loads it. */
type DriverModule = Record<string, unknown>;

/**
 * The driver packages, each behind its own literal `import()` so a bundler
 * sees (and can split out) the ones an app installs; a missing one is left to
 * fail at run time, where it becomes an `Unsupported` error naming the
 * package. The extra parentheses keep TypeScript from resolving the (optional,
 * possibly absent) packages while type-checking core.
 */
const driverLoaders: Record<string, () => Promise<DriverModule>> = {
  "@stowage/memory": async () => {
    try {
      return await import(("@stowage/memory"));
    } catch (error) {
      throw loadFailure("@stowage/memory", error);
    }
  },
  "@stowage/fs": async () => {
    try {
      return await import(("@stowage/fs"));
    } catch (error) {
      throw loadFailure("@stowage/fs", error);
    }
  },
  "@stowage/s3": async () => {
    try {
      return await import(("@stowage/s3"));
    } catch (error) {
      throw loadFailure("@stowage/s3", error);
    }
  },
  "@stowage/r2": async () => {
    try {
      return await import(("@stowage/r2"));
    } catch (error) {
      throw loadFailure("@stowage/r2", error);
    }
  },
};

const supportedSchemes = "memory://, file:///absolute/path, file:./relative/path, s3://bucket?region=… and r2://";
const s3Parameters = ["region", "endpoint", "forcePathStyle", "profile"];

/**
 * Opens a `Storage` from configuration, so the provider is swapped by a URL:
 *
 * | URL | driver package |
 * |---|---|
 * | `memory://` | `@stowage/memory` |
 * | `file:///abs/path`, `file:./relative` | `@stowage/fs` |
 * | `s3://bucket[/prefix]?region=…&endpoint=…&forcePathStyle=true&profile=…` | `@stowage/s3` |
 * | `r2://` with `binding` | `@stowage/r2` |
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
  const driver = await openDriver(url.trim(), options, env);
  return new Storage(driver, options.storageOptions);
}

const configNames = ["url", "signing", "credentials", "binding", "driverOptions", "storageOptions", "env"] as const;
const credentialNames = ["accessKeyId", "secretAccessKey", "sessionToken"] as const;
const hmacSigningNames = ["secrets", "baseUrl"] as const;

/**
 * Refuses unknown keys in the config and in its nested option objects, with
 * the nearest known name: a misspelt option is never dropped. The driver
 * factory checks `driverOptions` itself, and `Storage` checks the values of
 * `storageOptions`.
 */
function checkConfig(options: OpenStorageConfig): void {
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

async function openDriver(url: string, options: OpenStorageConfig, env: Record<string, string | undefined>): Promise<StorageDriver> {
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  if (schemeMatch === null) {
    throw invalid(`The storage URL ${describe(url)} has no scheme; use one of ${supportedSchemes}`);
  }
  const scheme = schemeMatch[1]!.toLowerCase();
  const extra = options.driverOptions ?? {};
  switch (scheme) {
    case "memory": {
      if (!/^memory:(\/\/)?$/i.test(url)) throw invalid(`A memory URL takes no host, path or query: use "memory://" (got ${describe(url)})`);
      const module = await driverLoaders["@stowage/memory"]!();
      return callFactory(module, "memoryDriver", "@stowage/memory", { ...signingOption(options, env), ...extra });
    }
    case "file": {
      const root = parseFileUrl(url);
      const module = await driverLoaders["@stowage/fs"]!();
      return callFactory(module, "fsDriver", "@stowage/fs", { root, ...signingOption(options, env), ...extra });
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
        throw invalid(`An R2 URL takes no host, path or query: use "r2://" and pass the bucket binding as the binding option (got ${describe(url)})`);
      }
      if (options.binding === undefined || options.binding === null) {
        throw invalid('r2:// needs the bucket binding: openStorage({ url: "r2://", binding: env.BUCKET })');
      }
      const module = await driverLoaders["@stowage/r2"]!();
      return callFactory(module, "r2Driver", "@stowage/r2", { bucket: options.binding, ...signingOption(options, env), ...extra });
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

/** `file:///abs`, `file://localhost/abs`, `file:/abs`, `file:./rel`, `file:rel`: the root as a path (relative ones stay relative to the working directory). */
function parseFileUrl(url: string): string {
  let rest = url.slice("file:".length);
  if (/[?#]/.test(rest)) throw invalid(`A file URL takes no query or fragment (got ${describe(url)})`);
  if (rest.startsWith("//")) {
    const slash = rest.indexOf("/", 2);
    const host = slash === -1 ? rest.slice(2) : rest.slice(2, slash);
    if (host !== "" && host.toLowerCase() !== "localhost") {
      throw invalid(
        `A file URL names a local directory, not host "${host}": use file:///absolute/path or file:./relative/path (got ${describe(url)})`,
      );
    }
    rest = slash === -1 ? "" : rest.slice(slash);
  }
  let path: string;
  try {
    path = decodeURIComponent(rest);
  } catch {
    throw invalid(`The file URL ${describe(url)} has a malformed %-escape`);
  }
  if (/^\/[a-zA-Z]:[/\\]/.test(path)) path = path.slice(1); // file:///C:/dir on Windows
  if (path === "" || path === "/") {
    throw invalid(`A file URL needs a directory: file:///absolute/path or file:./relative/path (got ${describe(url)})`);
  }
  if (path.includes("\0")) throw invalid("A file URL must not contain a NUL character");
  return path;
}

interface ParsedS3 {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  profile?: string;
  credentials?: OpenStorageCredentials;
  prefix?: string;
}

function parseS3Url(url: string, options: OpenStorageConfig, env: Record<string, string | undefined>): ParsedS3 {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(`The S3 URL ${describe(url)} is malformed; use s3://bucket?region=…&endpoint=…`);
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw invalid(
      "The S3 URL must not carry credentials (user:password@); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass the credentials option",
    );
  }
  if (parsed.port !== "") throw invalid(`An S3 URL names a bucket, not a server; put the server in ?endpoint= (got ${describe(url)})`);
  if (parsed.hash !== "") throw invalid(`An S3 URL takes no #fragment (got ${describe(url)})`);
  const bucket = decodeURIComponent(parsed.hostname);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw invalid(
      `The S3 URL ${describe(url)} needs a bucket name (3-63 lowercase letters, digits, "." and "-") as its host: s3://my-bucket?region=…`,
    );
  }
  for (const name of parsed.searchParams.keys()) {
    if (!s3Parameters.includes(name)) {
      const hint = /key|secret|token|password|credential/i.test(name)
        ? "; credentials never go in the URL (use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the credentials option)"
        : "";
      throw invalid(`Unknown S3 URL parameter "${name}"; allowed: ${s3Parameters.join(", ")}${hint}`);
    }
  }
  const single = (name: string): string | undefined => {
    const values = parsed.searchParams.getAll(name);
    if (values.length > 1) throw invalid(`The S3 URL parameter "${name}" is given ${values.length} times`);
    return values[0];
  };
  const result: ParsedS3 = {
    bucket,
    region: single("region") || env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1",
  };
  const endpoint = single("endpoint") || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  if (endpoint !== undefined) {
    let endpointUrl: URL | undefined;
    try {
      endpointUrl = new URL(endpoint);
    } catch {
      endpointUrl = undefined;
    }
    if (endpointUrl === undefined || (endpointUrl.protocol !== "http:" && endpointUrl.protocol !== "https:")) {
      throw invalid(`The S3 endpoint must be an http:// or https:// URL (got ${JSON.stringify(redact(endpoint))})`);
    }
    if (endpointUrl.username !== "" || endpointUrl.password !== "") {
      throw invalid("The S3 endpoint must not carry credentials; use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the credentials option");
    }
    result.endpoint = endpoint;
  }
  const forcePathStyle = single("forcePathStyle");
  if (forcePathStyle !== undefined) {
    if (forcePathStyle !== "true" && forcePathStyle !== "false") {
      throw invalid(`forcePathStyle must be "true" or "false" (got ${JSON.stringify(forcePathStyle)})`);
    }
    result.forcePathStyle = forcePathStyle === "true";
  }
  const profile = single("profile");
  if (profile !== undefined) result.profile = profile;
  const credentials = options.credentials ?? credentialsFromEnv(env);
  if (credentials !== undefined) result.credentials = credentials;
  const path = decodeURIComponent(parsed.pathname).replace(/^\/+/, "");
  if (path !== "") result.prefix = path.endsWith("/") ? path : `${path}/`;
  return result;
}

/** Refuses a `profile=` that the installed @stowage/s3 does not ship, listing the ones it does. */
function checkS3ProfileName(module: DriverModule, profile: string): void {
  const names = typeof module.s3ProfileNames === "function" ? (module.s3ProfileNames as () => string[])() : undefined;
  if (names === undefined || names.includes(profile)) return;
  const suggestion = nearestOption(profile, names);
  throw invalid(
    `The S3 URL parameter profile=${JSON.stringify(profile)} is not a known profile${suggestion === undefined ? "" : `; did you mean "${suggestion}"?`} ` +
      `Valid profiles: ${names.join(", ")}`,
  );
}

/**
 * With no profile, lets @stowage/s3 choose it before the driver is built
 * (a driver's capabilities never change afterwards): from the endpoint
 * (none or AWS: aws; R2: r2) without I/O, else by one HeadBucket whose
 * response headers name the server (Ceph RGW, Swift). An unrecognised or
 * unreachable server gets the conservative "generic" profile, whose
 * conditional puts are refused with a message naming the fix.
 */
async function detectProfile(module: DriverModule, driverOptions: Record<string, unknown>): Promise<void> {
  const detect = module.detectS3Profile;
  if (typeof detect !== "function") return;
  const detection = (await (detect as (options: Record<string, unknown>) => Promise<{ profile: unknown }>)(driverOptions)) ?? {};
  driverOptions.profile = detection.profile;
}

function credentialsFromEnv(env: Record<string, string | undefined>): OpenStorageCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  const credentials: OpenStorageCredentials = { accessKeyId, secretAccessKey };
  if (env.AWS_SESSION_TOKEN) credentials.sessionToken = env.AWS_SESSION_TOKEN;
  return credentials;
}

function signingOption(options: OpenStorageConfig, env: Record<string, string | undefined>): { signing?: UrlSigner } {
  if (options.signing !== undefined) return { signing: toUrlSigner(options.signing) };
  const secrets = env.STORAGE_SIGNING_SECRETS;
  const baseUrl = env.STORAGE_SIGNING_BASE_URL;
  if (!secrets || !baseUrl) return {};
  return { signing: toUrlSigner({ secrets: parseSecrets(secrets), baseUrl }) };
}

/** `STORAGE_SIGNING_SECRETS`: comma-separated `id:secret` pairs, newest first (the first signs, all verify). */
function parseSecrets(text: string): HmacSecret[] {
  return text.split(",").map((entry) => {
    const colon = entry.indexOf(":");
    if (colon <= 0) throw invalid('STORAGE_SIGNING_SECRETS must be comma-separated "id:secret" pairs, newest first');
    return { id: entry.slice(0, colon).trim(), secret: entry.slice(colon + 1).trim() };
  });
}

function callFactory(module: DriverModule, factoryName: string, packageName: string, factoryOptions: Record<string, unknown>): StorageDriver {
  const factory = module[factoryName];
  if (typeof factory !== "function") {
    throw new StorageError("Unsupported", `The installed ${packageName} has no ${factoryName}(); install a version that matches @stowage/open`);
  }
  return (factory as (options: Record<string, unknown>) => StorageDriver)(factoryOptions);
}

/**
 * Turns an import failure into a `StorageError`: `Unsupported` naming the
 * package to install when the package itself is missing, else `Unknown` with
 * the loader's error as the cause (the package is there but failed to load,
 * for example because one of its own dependencies is missing).
 */
export function loadFailure(packageName: string, error: unknown): StorageError {
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  const quoted = [`'${packageName}'`, `"${packageName}"`].some((form) => message.includes(form));
  const notFound =
    code === "ERR_MODULE_NOT_FOUND" ||
    code === "MODULE_NOT_FOUND" ||
    /cannot find (module|package)|failed to resolve|could not resolve|failed to load url|no such module/i.test(message);
  if (notFound && (quoted || message.includes(packageName) && !/imported from .*node_modules/.test(message))) {
    return new StorageError("Unsupported", `This storage URL needs the ${packageName} package: install it with "npm install ${packageName}"`, {
      cause: error,
    });
  }
  return new StorageError("Unknown", `The ${packageName} package failed to load: ${message}`, { cause: error });
}

function defaultEnv(): Record<string, string | undefined> {
  const process = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return process?.env ?? {};
}

function invalid(message: string): StorageError {
  return new StorageError("InvalidArgument", message);
}

/** The URL for an error message, with any user:password@ part masked. */
function redact(url: string): string {
  return url.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/@?#]*@/, "$1***@");
}

function describe(url: string): string {
  return JSON.stringify(redact(url));
}
