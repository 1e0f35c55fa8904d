import { nearestOption } from "@stowage/core";
import { describe, invalid, redact } from "./config-values.js";
import type { DriverModule } from "./driver-loaders.js";
import { storageUrlParameters } from "./storage-url-parameters.js";
import type { OpenStorageConfig, OpenStorageCredentials } from "./open-storage-config.js";

const s3Parameters = ["region", "endpoint", "forcePathStyle", "profile", "signingEndpoint", "multipartCopyThreshold", "expiry"];

export interface ParsedS3 {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  profile?: string;
  /** The origin signed URLs use when clients reach the server through a proxy or CDN. */
  signingEndpoint?: string;
  /** Copies of sources larger than this many bytes are multipart copies. */
  multipartCopyThreshold?: number;
  /** Object expiry (`s3Driver({ expiry: true })`): list HEADs each listed object. */
  expiry?: boolean;
  credentials?: OpenStorageCredentials;
  prefix?: string;
}

export function parseS3Url(url: string, options: OpenStorageConfig, env: Record<string, string | undefined>): ParsedS3 {
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
      const allowed = [...s3Parameters, ...storageUrlParameters];
      const suggestion = nearestOption(name, allowed);
      const didYouMean = suggestion === undefined ? "" : `; did you mean "${suggestion}"?`;
      throw invalid(`Unknown S3 URL parameter "${name}"${didYouMean}; allowed: ${allowed.join(", ")}${hint}`);
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
  if (endpoint !== undefined) result.endpoint = checkHttpUrl(endpoint, "The S3 endpoint");
  const signingEndpoint = single("signingEndpoint");
  if (signingEndpoint !== undefined) result.signingEndpoint = checkHttpUrl(signingEndpoint, "The S3 URL parameter signingEndpoint");
  const threshold = single("multipartCopyThreshold");
  if (threshold !== undefined) {
    if (!/^[1-9][0-9]*$/.test(threshold)) {
      throw invalid(`The S3 URL parameter multipartCopyThreshold must be a whole number of bytes, at least 1 (got ${JSON.stringify(threshold)})`);
    }
    result.multipartCopyThreshold = Number(threshold);
  }
  const forcePathStyle = booleanParameter(single("forcePathStyle"), "forcePathStyle");
  if (forcePathStyle !== undefined) result.forcePathStyle = forcePathStyle;
  const expiry = booleanParameter(single("expiry"), "expiry");
  if (expiry !== undefined) result.expiry = expiry;
  const profile = single("profile");
  if (profile !== undefined) result.profile = profile;
  const credentials = options.credentials ?? credentialsFromEnv(env);
  if (credentials !== undefined) result.credentials = credentials;
  const path = decodeURIComponent(parsed.pathname).replace(/^\/+/, "");
  if (path !== "") result.prefix = path.endsWith("/") ? path : `${path}/`;
  return result;
}

/** A `true`/`false` URL parameter, else `InvalidArgument`. */
function booleanParameter(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value !== "true" && value !== "false") throw invalid(`${name} must be "true" or "false" (got ${JSON.stringify(value)})`);
  return value === "true";
}

/** An http(s) URL without credentials, else `InvalidArgument` naming `what`. */
function checkHttpUrl(value: string, what: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw invalid(`${what} must be an http:// or https:// URL (got ${JSON.stringify(redact(value))})`);
  }
  if (url.username !== "" || url.password !== "") {
    throw invalid(`${what} must not carry credentials; use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the credentials option`);
  }
  return value;
}

/** Refuses a `profile=` that the installed @stowage/s3 does not ship, listing the ones it does. */
export function checkS3ProfileName(module: DriverModule, profile: string): void {
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
export async function detectProfile(module: DriverModule, driverOptions: Record<string, unknown>): Promise<void> {
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
