import { GetBucketCorsCommand, PutBucketCorsCommand, type CORSRule, type S3Client } from "@aws-sdk/client-s3";
import { StorageError, assertKnownOptions, type StorageDriver } from "@stowage/core";
import { mapS3Error, s3CodeOf } from "./map-s3-error.js";

/** The methods a bucket's CORS rule can allow. */
export type CorsMethod = "GET" | "HEAD" | "PUT" | "POST" | "DELETE";

export interface ConfigureCorsOptions {
  /** The origins browsers load your app from, such as `"https://app.example"` (scheme, host, port; no path), or `"*"`. */
  origins: string[];
  /** What the browser does straight to the bucket: usually `["GET", "HEAD", "PUT"]` (signed PUT uploads), `"POST"` for POST-policy uploads. */
  methods: CorsMethod[];
  /**
   * Request headers the browser may send. Default: `content-type` and
   * `if-none-match`, the headers a Stowage signed PUT carries (`contentType`,
   * `ifNotExists`).
   */
  allowHeaders?: string[];
  /** Response headers the page may read. `ETag` is always added. */
  exposeHeaders?: string[];
  /** How long a browser may cache the preflight, in seconds. Default 600. */
  maxAgeSeconds?: number;
  /**
   * The bucket, when the storage does not expose it (a storage opened with a
   * key prefix, `s3://bucket/prefix`). Default: the S3 driver's own bucket.
   */
  bucket?: string;
  /**
   * The rule's `ID`. `configureCors` replaces the rule with this ID and keeps
   * every other rule of the bucket, so calling it again is safe. Default `"stowage"`.
   */
  id?: string;
  /** Aborts the S3 calls. */
  signal?: AbortSignal;
}

export interface ConfigureCorsResult {
  bucket: string;
  /** The rule this call wrote. */
  rule: CORSRule;
  /** Every rule the bucket has now (other rules are kept). */
  rules: CORSRule[];
}

const optionNames = ["origins", "methods", "allowHeaders", "exposeHeaders", "maxAgeSeconds", "bucket", "id", "signal"] as const;
const corsMethods: readonly string[] = ["GET", "HEAD", "PUT", "POST", "DELETE"];
const defaultAllowHeaders = ["content-type", "if-none-match"];
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const originPattern = /^(\*|[a-z][a-z0-9+.-]*:\/\/[^/?#\s]+)$/i;

/** Anything `configureCors` can read the driver from: a `Storage` (or anything with a `driver`) or a driver. */
type StorageLike = { readonly driver: StorageDriver } | StorageDriver;

/**
 * Sets the bucket's CORS rule so that browsers on `origins` can use signed
 * URLs straight against the bucket (PutBucketCors through the S3 driver's
 * `S3Client`). `ETag` is always exposed, so an upload's answer carries its
 * ETag to the page. Other rules of the bucket are kept; the rule with the same
 * `id` is replaced.
 *
 * Refuses with `Unsupported` on a storage that is not S3: fs and memory URLs
 * are served by `createSignedUrlHandler` (its `cors` option), and the R2
 * binding cannot set CORS (use the dashboard, `wrangler r2 bucket cors set`,
 * or serve uploads from the app's own origin).
 */
export async function configureCors(storage: StorageLike, options: ConfigureCorsOptions): Promise<ConfigureCorsResult> {
  assertKnownOptions(options, optionNames, "configureCors options");
  if (options === undefined || options === null) throw invalid("configureCors needs options { origins, methods }");
  const driver = driverOf(storage);
  const client = s3ClientOf(driver);
  const profile = (driver as { profile?: { name?: string; bucketCors?: boolean } }).profile;
  if (profile?.bucketCors === false) {
    unsupported(`configureCors: the ${profile.name} profile's server has no S3 bucket CORS API (profile.bucketCors is off; Swift answers 501 to PutBucketCors). Set CORS the server's own way, or serve uploads from the app's own origin (createSignedUrlHandler)`);
  }
  const bucket = options.bucket ?? (driver as { bucket?: unknown }).bucket;
  if (typeof bucket !== "string" || bucket === "") {
    throw invalid("configureCors cannot tell the bucket from this storage (opened with a key prefix?); pass { bucket }");
  }
  const rule = buildRule(options);
  const id = rule.ID!;
  const signal = options.signal;
  const sendOptions = signal === undefined ? {} : { abortSignal: signal };

  let existing: CORSRule[] = [];
  try {
    existing = (await client.send(new GetBucketCorsCommand({ Bucket: bucket }), sendOptions)).CORSRules ?? [];
  } catch (error) {
    if (s3CodeOf(error) !== "NoSuchCORSConfiguration") throw withContext(mapS3Error(error), "GetBucketCors", bucket);
  }
  const rules = [...existing.filter((other) => other.ID !== id), rule];
  if (rules.length > 100) throw invalid(`The bucket ${bucket} would have ${rules.length} CORS rules; S3 allows at most 100`);
  try {
    await client.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: rules } }), sendOptions);
  } catch (error) {
    throw withContext(mapS3Error(error), "PutBucketCors", bucket);
  }
  return { bucket, rule, rules };
}

function driverOf(storage: StorageLike): StorageDriver {
  if (storage === null || typeof storage !== "object") throw invalid("configureCors needs a Storage (createStorage(s3Driver(...))) or an S3 driver");
  const inner = (storage as { driver?: unknown }).driver;
  if (inner !== null && typeof inner === "object") return inner as StorageDriver;
  return storage as StorageDriver;
}

function s3ClientOf(driver: StorageDriver): S3Client {
  const raw = driver.raw as { send?: unknown; config?: unknown } | undefined;
  if (raw !== null && typeof raw === "object" && typeof raw.send === "function" && typeof raw.config === "object") return raw as S3Client;
  const name = typeof driver.name === "string" && driver.name !== "" ? driver.name : "this";
  const alternative =
    name === "r2"
      ? "The R2 binding cannot set CORS: set it in the Cloudflare dashboard or with `wrangler r2 bucket cors set <bucket> --file cors.json`, or serve uploads from the app's own origin (createSignedUrlHandler in the Worker)"
      : "Its signed URLs are served by createSignedUrlHandler from @stowage/http: same-origin when mounted in the app, or pass its `cors` option for other origins";
  return unsupported(`configureCors sets a bucket's CORS through the S3 API; the ${name} driver has no S3 client. ${alternative}.`);
}

function buildRule(options: ConfigureCorsOptions): CORSRule {
  const { origins, methods } = options;
  if (!Array.isArray(origins) || origins.length === 0) throw invalid('origins must be a non-empty list of origins such as "https://app.example" (or "*")');
  for (const origin of origins) {
    if (typeof origin !== "string" || !originPattern.test(origin)) {
      throw invalid(`origins must hold origins like "https://app.example" (scheme and host, no path) or "*"; got ${JSON.stringify(origin)}`);
    }
  }
  if (!Array.isArray(methods) || methods.length === 0) throw invalid(`methods must be a non-empty list of ${corsMethods.join(", ")}`);
  const allowedMethods = methods.map((method) => (typeof method === "string" ? method.toUpperCase() : method));
  for (const method of allowedMethods) {
    if (typeof method !== "string" || !corsMethods.includes(method)) {
      throw invalid(`methods may hold only ${corsMethods.join(", ")}; got ${JSON.stringify(method)}`);
    }
  }
  const allowHeaders = headerList(options.allowHeaders ?? defaultAllowHeaders, "allowHeaders", true);
  const exposeHeaders = headerList(options.exposeHeaders ?? [], "exposeHeaders", false);
  if (!exposeHeaders.some((name) => name.toLowerCase() === "etag")) exposeHeaders.unshift("ETag");
  const maxAge = options.maxAgeSeconds ?? 600;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw invalid(`maxAgeSeconds must be a whole number of seconds, at least 0; got ${String(maxAge)}`);
  const id = options.id ?? "stowage";
  if (typeof id !== "string" || id === "" || id.length > 255) throw invalid("id must be a non-empty string of at most 255 characters");
  return {
    ID: id,
    AllowedOrigins: [...new Set(origins)],
    AllowedMethods: [...new Set(allowedMethods as string[])],
    ...(allowHeaders.length > 0 ? { AllowedHeaders: allowHeaders } : {}),
    ExposeHeaders: exposeHeaders,
    MaxAgeSeconds: maxAge,
  };
}

function headerList(value: unknown, name: string, allowStar: boolean): string[] {
  if (!Array.isArray(value)) throw invalid(`${name} must be a list of header names`);
  const seen = new Map<string, string>();
  for (const header of value) {
    const valid = typeof header === "string" && (header === "*" ? allowStar : headerNamePattern.test(header) && !header.includes("*"));
    if (!valid) {
      throw invalid(`${name} must hold header names${allowStar ? ' (or "*")' : ""}; got ${JSON.stringify(header)}`);
    }
    if (!seen.has(header.toLowerCase())) seen.set(header.toLowerCase(), header);
  }
  return [...seen.values()];
}

function withContext(error: StorageError, operation: string, bucket: string): StorageError {
  error.message = `configureCors (${operation} on ${bucket}): ${error.message}`;
  if (error.operation === "") error.operation = "configureCors";
  if (error.driver === "") error.driver = "s3";
  return error;
}

function invalid(message: string): StorageError {
  return new StorageError("InvalidArgument", message, { operation: "configureCors" });
}

function unsupported(message: string): never {
  throw new StorageError("Unsupported", message, { operation: "configureCors" });
}
