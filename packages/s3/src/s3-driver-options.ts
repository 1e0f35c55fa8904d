import type { S3Client } from "@aws-sdk/client-s3";
import { StorageError, assertKnownOptions } from "@stowage/core";
import type { S3Profile, S3ProfileName } from "./s3-profiles.js";

/** Static credentials for the driver and its fast presigner. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Time limits, in milliseconds. `connect`, `idle` and `request` configure
 * the `S3Client` the driver builds (the SDK's Node HTTP handler); they do not
 * apply to a `client` you pass in. `cleanup` applies either way.
 */
export interface S3Timeouts {
  /** Establishing a TCP (and TLS) connection. Default 5,000. 0 turns it off. */
  connect?: number;
  /**
   * A connected socket with no byte sent or received for this long fails the
   * request (`Unavailable`, retryable; the SDK retries it first). Also applies
   * while a get's body is being read. Default 30,000. 0 turns it off.
   */
  idle?: number;
  /**
   * The whole request, from sending it to its response headers (a body
   * upload included). Default 0: off, because a fixed cap would fail large
   * parts on slow links; `idle` and `signal` already bound a stalled call.
   */
  request?: number;
  /**
   * Each AbortMultipartUpload sent after a failed or aborted upload (and by
   * `cleanup` and `abortUploads`). Default 10,000. An abort that fails or
   * times out is recorded in `failedAborts`.
   */
  cleanup?: number;
}

export interface S3DriverOptions {
  bucket: string;
  /** The signing region, such as `"us-east-1"` (R2: `"auto"`). */
  region: string;
  /** A custom endpoint (R2, MinIO, Ceph RGW), such as `"http://127.0.0.1:7480"`. */
  endpoint?: string;
  /** Defaults to the SDK's provider chain (environment, profile, instance role). */
  credentials?: S3Credentials;
  /** Path-style URLs (`endpoint/bucket/key`). Defaults to the profile's choice. */
  forcePathStyle?: boolean;
  /**
   * Your own S3Client. It should be created with `requestChecksumCalculation`
   * and `responseChecksumValidation` set to `"WHEN_REQUIRED"`; pass the same
   * `endpoint` and `forcePathStyle` here so signed URLs match it. Its own
   * request handler's timeouts apply: `timeouts.connect`, `idle` and
   * `request` are refused with it (only `timeouts.cleanup` applies).
   */
  client?: S3Client;
  /**
   * The provider's quirks: a profile name (`"aws"`, `"r2"`, `"minio"`,
   * `"ceph-rgw"`, …, or `"generic"`) or your own `S3Profile`. An unknown name
   * is refused with `InvalidArgument` listing the valid ones. Default: `"aws"`
   * without an endpoint or with an AWS endpoint, `"r2"` for an R2 endpoint,
   * and `"generic"` for any other endpoint: a conservative profile whose
   * conditional puts are off (refused with `Unsupported`) until you name the
   * server's profile, or let `detectS3Profile` (used by `openStorage`)
   * recognise it.
   */
  profile?: S3ProfileName | "generic" | S3Profile;
  /** Bodies up to this size go up as one PutObject (default 16 MiB); larger or longer ones as a multipart upload. */
  multipartThreshold?: number;
  /** The part size when the body's size is unknown (default 8 MiB; at least 5 MiB). */
  partSize?: number;
  /** Parts uploaded at once (default 2: with 8 MiB parts a 256 MiB stream peaks under 150 MiB RSS). */
  queueSize?: number;
  /**
   * On a profile whose CompleteMultipartUpload ignores conditions, a
   * conditional put is buffered and sent as one PutObject; bodies larger than
   * this (default 64 MiB) are refused with `Unsupported`.
   */
  conditionalPutLimit?: number;
  /**
   * `copy` of a source larger than this many bytes is a multipart copy
   * (UploadPartCopy of `partSize` ranges, in parallel) instead of one
   * CopyObject. Default and maximum 5 GiB, S3's limit for one CopyObject.
   * A whole number of bytes, at least 1.
   */
  multipartCopyThreshold?: number;
  /**
   * The origin clients of signed URLs reach, when it is not `endpoint`: a
   * CDN or reverse proxy in front of the server, such as
   * `"https://files.example.com"`. Signed URLs use it (it is the signed
   * `Host`); the driver's own requests still go to `endpoint`. The proxy
   * must forward the `Host` header and the path unchanged, because SigV4
   * signs them. Where the provider cannot take it: R2's custom domains do
   * not accept presigned URLs (sign for the S3 API endpoint), and AWS S3
   * serves another host only as a bucket named after it (a CNAME).
   */
  signingEndpoint?: string;
  /** Connection, idle, request and cleanup time limits (see `S3Timeouts`). */
  timeouts?: S3Timeouts;
  /**
   * Object expiry (`put`'s `expiresAt` / `ttlSeconds`): switches the
   * `expiry` capability on. Expiry lives in each object's metadata, and
   * ListObjectsV2 returns none, so with it on `list` sends one HeadObject
   * per listed object (16 at once) to return each object's content type,
   * content-* fields and metadata. Default `false`. A bucket lifecycle rule
   * (S3 `Expiration` on a prefix, in whole days) deletes old objects
   * without it.
   */
  expiry?: boolean;
}

const optionNames: readonly (keyof S3DriverOptions)[] = [
  "bucket",
  "region",
  "endpoint",
  "credentials",
  "forcePathStyle",
  "client",
  "profile",
  "multipartThreshold",
  "partSize",
  "queueSize",
  "conditionalPutLimit",
  "multipartCopyThreshold",
  "signingEndpoint",
  "timeouts",
  "expiry",
];

/** S3's largest single CopyObject, and the default `multipartCopyThreshold`. */
export const maxSingleCopyBytes = 5 * 1024 * 1024 * 1024;
const timeoutNames: readonly (keyof S3Timeouts)[] = ["connect", "idle", "request", "cleanup"];
const clientTimeoutNames: readonly (keyof S3Timeouts)[] = ["connect", "idle", "request"];

/** The defaults of `S3Timeouts`, in milliseconds. */
export const defaultTimeouts: Readonly<Required<S3Timeouts>> = Object.freeze({
  connect: 5_000,
  idle: 30_000,
  request: 0,
  cleanup: 10_000,
});

function invalid(message: string): StorageError {
  return new StorageError("InvalidArgument", `s3Driver options: ${message}`);
}

function checkNonEmptyString(value: unknown, name: string): void {
  if (typeof value !== "string" || value.length === 0) throw invalid(`${name} must be a non-empty string`);
}

function checkMilliseconds(value: unknown, name: string, allowZero: boolean): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw invalid(`${name} must be a finite number of milliseconds${allowZero ? " (0 turns it off)" : " above 0"}`);
  }
}

function checkOrigin(value: unknown, name: string): void {
  checkNonEmptyString(value, name);
  let url: URL | undefined;
  try {
    url = new URL(value as string);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:") || url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw invalid(`${name} must be an http(s) URL without query, fragment or credentials, such as "https://files.example.com" (got ${JSON.stringify(value)})`);
  }
}

/**
 * Refuses unknown or misspelt option names (with the nearest known one) and
 * wrong-typed values, and returns the timeouts with their defaults filled in.
 */
export function checkS3DriverOptions(options: S3DriverOptions): Required<S3Timeouts> {
  if (options === undefined || options === null || typeof options !== "object") {
    throw invalid("pass an object with at least bucket and region");
  }
  assertKnownOptions(options, optionNames, "s3Driver options");
  checkNonEmptyString(options.bucket, "bucket");
  checkNonEmptyString(options.region, "region");
  if (options.endpoint !== undefined) checkNonEmptyString(options.endpoint, "endpoint");
  const threshold = options.multipartCopyThreshold;
  if (threshold !== undefined && (typeof threshold !== "number" || !Number.isInteger(threshold) || threshold < 1 || threshold > maxSingleCopyBytes)) {
    throw invalid(`multipartCopyThreshold must be a whole number of bytes from 1 to ${maxSingleCopyBytes} (5 GiB, S3's largest CopyObject)`);
  }
  if (options.expiry !== undefined && typeof options.expiry !== "boolean") {
    throw invalid(`expiry must be true or false (got ${JSON.stringify(options.expiry) ?? String(options.expiry)})`);
  }
  if (options.signingEndpoint !== undefined) checkOrigin(options.signingEndpoint, "signingEndpoint");
  // credentials is not checked for unknown keys: the SDK adds its own ($source)
  // to the object, and AWS identities carry more (expiration, accountId).
  const timeouts = options.timeouts;
  assertKnownOptions(timeouts, timeoutNames, "s3Driver options.timeouts");
  if (timeouts === undefined) return { ...defaultTimeouts };
  for (const name of clientTimeoutNames) checkMilliseconds(timeouts[name], `timeouts.${name}`, true);
  checkMilliseconds(timeouts.cleanup, "timeouts.cleanup", false);
  if (options.client !== undefined) {
    const ignored = clientTimeoutNames.filter((name) => timeouts[name] !== undefined);
    if (ignored.length > 0) {
      throw invalid(
        `timeouts.${ignored.join(", timeouts.")} cannot apply to a client you pass in; ` +
          "set them on its request handler (requestHandler: { connectionTimeout, socketTimeout, requestTimeout })",
      );
    }
  }
  return {
    connect: timeouts.connect ?? defaultTimeouts.connect,
    idle: timeouts.idle ?? defaultTimeouts.idle,
    request: timeouts.request ?? defaultTimeouts.request,
    cleanup: timeouts.cleanup ?? defaultTimeouts.cleanup,
  };
}
