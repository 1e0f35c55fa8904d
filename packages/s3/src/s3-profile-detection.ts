import { HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { StorageError, nearestOption } from "@stowage/core";
import { createS3Client } from "./create-s3-client.js";
import { checkS3DriverOptions, type S3DriverOptions } from "./s3-driver-options.js";
import { s3Profiles, type S3Profile } from "./s3-profiles.js";

// Facts that are safe on every server, for profile fields added alongside
// the Swift profile: guard GET conditions as on a prefix-matching server,
// and send Content-MD5 with DeleteObjects (every S3 accepts it; Swift needs it).
// Later: drop listed common prefixes at or before startAfter (harmless where
// the server already does), and read before a conditional delete (only
// matters where conditional deletes are on).
const safeEverywhere: Record<string, unknown> = {
  getConditionsComparePrefix: true,
  deleteObjectsNeedsContentMd5: true,
  startAfterListsEnclosingPrefix: true,
  deleteIfMatchMissingSucceeds: true,
  ifMatchMissesMultipartEtag: true,
};

/**
 * The profile of an S3-compatible server nobody named and nothing
 * recognised: every fact that Stowage cannot check without knowing the
 * server is off. Conditional puts (`ifNotExists`, `ifMatch`), signed
 * create-only uploads and POST-policy uploads are refused with
 * `Unsupported` (naming the fix) instead of being sent to a server that may
 * ignore them, compare etags differently (Ceph RGW) or answer 501 (Swift).
 * Reads, writes, lists, deletes, ranges and signed URLs work as on any
 * profile.
 */
export const genericS3Profile: S3Profile = Object.freeze({
  // Facts added to S3Profile later default to AWS's until reviewed here.
  ...s3Profiles.aws,
  ...safeEverywhere,
  name: "generic",
  ifMatchQuoted: true,
  ifMatchComparesPrefix: true,
  putIfNotExists: false,
  putIfMatch: false,
  conditionalMultipartComplete: false,
  supportsChecksumSha256: false,
  supportsPostPolicy: false,
  signedIfNoneMatch: false,
  emptyEtagAfterMultipart: true,
  // Ceph RGW 16 ignores all three and does the unconditional operation.
  deleteIfMatch: false,
  copySourceIfMatch: false,
  copyIfNoneMatch: false,
  // The strictest rules of the servers Stowage knows: Swift's 1,000 parts, R2's equal parts.
  uploadLimits: Object.freeze({ ...s3Profiles.aws.uploadLimits, maxParts: 1000, equalParts: true }),
  forcePathStyle: true,
});

/** Every profile name `profile` accepts, shipped profiles first. */
export function s3ProfileNames(): string[] {
  return [...Object.keys(s3Profiles), genericS3Profile.name];
}

function profileByName(name: string): S3Profile | undefined {
  if (name === genericS3Profile.name) return genericS3Profile;
  return Object.prototype.hasOwnProperty.call(s3Profiles, name) ? (s3Profiles as Record<string, S3Profile>)[name] : undefined;
}

/** The refusal of a profile name that does not exist, listing the valid ones. */
export function unknownProfileError(name: unknown, where: string): StorageError {
  const names = s3ProfileNames();
  const suggestion = typeof name === "string" ? nearestOption(name, names) : undefined;
  return new StorageError(
    "InvalidArgument",
    `${where}: unknown S3 profile ${JSON.stringify(name)}${suggestion === undefined ? "" : `; did you mean "${suggestion}"?`} ` +
      `Valid profiles: ${names.join(", ")} (or your own S3Profile object)`,
  );
}

const r2Endpoint = /\.r2\.cloudflarestorage\.com$/i;
const awsEndpoint = /(^|\.)amazonaws\.com(\.cn)?$/i;

function endpointHost(endpoint: string): string {
  try {
    return new URL(endpoint).hostname;
  } catch {
    return "";
  }
}

/**
 * The profile for the `profile` option without any I/O: a named or custom
 * profile as given; with no profile, `aws` without an endpoint or with an
 * AWS endpoint, `r2` for an R2 endpoint, and for any other endpoint the
 * conservative `generic` profile (use `detectS3Profile`, or `openStorage`,
 * to recognise the server instead).
 */
export function chooseS3Profile(profile: unknown, endpoint: string | undefined, where = "s3Driver options"): S3Profile {
  if (profile !== undefined && profile !== null && typeof profile === "object") return profile as S3Profile;
  if (profile !== undefined) {
    const found = typeof profile === "string" ? profileByName(profile) : undefined;
    if (found === undefined) throw unknownProfileError(profile, where);
    return found;
  }
  if (endpoint === undefined) return s3Profiles.aws;
  const host = endpointHost(endpoint);
  if (r2Endpoint.test(host)) return s3Profiles.r2;
  if (awsEndpoint.test(host)) return s3Profiles.aws;
  return genericS3Profile;
}

/** Which server a response came from, by its headers, and why. */
export interface S3ServerSignature {
  /** The profile name the headers identify, or `undefined` when they identify nothing. */
  kind: "ceph-rgw" | "swift" | undefined;
  /** The headers that decided, for messages and logs. */
  evidence: string;
}

// Ceph RGW's transaction id: "tx" + 21 hex digits, "-" + 10 hex digits (the
// time), "-" + the gateway instance id in hex, "-" + the zone group name.
const rgwRequestId = /^tx[0-9a-f]{21}-[0-9a-f]{10}-[0-9a-f]+-\S+$/;

/**
 * Recognises a server by the headers of any response (200, 403 or 404 alike):
 *
 * - OpenStack Swift (s3api) sends `X-Trans-Id` and `X-Openstack-Request-Id`
 *   on every response, signed or not;
 * - Ceph RGW sends `x-rgw-*` headers (object count, quota) on a HeadBucket
 *   it allows, and on every response an `x-amz-request-id` of its own shape
 *   (`tx…-…-<instance>-<zonegroup>`).
 *
 * Nothing else is recognised: other servers' headers were not checked here.
 */
export function recogniseS3Server(headers: Record<string, string | undefined>): S3ServerSignature {
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) lower[name.toLowerCase()] = value;
  const swift = ["x-openstack-request-id", "x-trans-id"].filter((name) => name in lower);
  if (swift.length > 0) return { kind: "swift", evidence: swift.map((name) => `${name}: ${lower[name]}`).join(", ") };
  const rgw = Object.keys(lower).filter((name) => name.startsWith("x-rgw-"));
  if (rgw.length > 0) return { kind: "ceph-rgw", evidence: `${rgw.slice(0, 2).join(", ")}${rgw.length > 2 ? ", …" : ""}` };
  const requestId = lower["x-amz-request-id"];
  if (requestId !== undefined && rgwRequestId.test(requestId)) return { kind: "ceph-rgw", evidence: `x-amz-request-id: ${requestId}` };
  const seen = Object.keys(lower)
    .filter((name) => name === "server" || name.startsWith("x-"))
    .map((name) => `${name}: ${lower[name]}`);
  return { kind: undefined, evidence: seen.length > 0 ? seen.join(", ") : "no identifying headers" };
}

/** How `detectS3Profile` chose. */
export interface S3ProfileDetection {
  profile: S3Profile;
  /**
   * `"option"`: the profile was given; `"endpoint"`: chosen from the endpoint
   * (none, AWS or R2) without a request; `"probe"`: recognised from the
   * server's answer; `"fallback"`: not recognised (or not reachable), so the
   * conservative `generic` profile.
   */
  source: "option" | "endpoint" | "probe" | "fallback";
  /** What decided, in words (the headers seen, or why the probe told nothing). */
  reason: string;
}

/** Options of `detectS3Profile`: the driver's own, plus a deadline. */
export type DetectS3ProfileOptions = S3DriverOptions & {
  /** Bounds the probe (default: 10 s). On expiry the detection falls back to `generic`. */
  signal?: AbortSignal;
};

const defaultProbeMs = 10_000;

/**
 * Chooses the profile for these driver options, asking the server when it
 * must: with a `profile`, no endpoint, or an AWS or R2 endpoint, no request
 * is made. Otherwise one HeadBucket is sent (signed, with these options'
 * credentials and client) and the server is recognised by its response
 * headers (`recogniseS3Server`), whatever its status. A server that is not
 * recognised, or no answer at all, gives the conservative `generic` profile;
 * `reason` says why. It never throws for the server's answer.
 *
 * ```ts
 * const { profile } = await detectS3Profile(options);
 * const driver = s3Driver({ ...options, profile });
 * ```
 */
export async function detectS3Profile(options: DetectS3ProfileOptions): Promise<S3ProfileDetection> {
  const { signal, ...driverOptions } = options;
  const timeouts = checkS3DriverOptions(driverOptions);
  const chosen = chooseS3Profile(driverOptions.profile, driverOptions.endpoint);
  if (driverOptions.profile !== undefined) return { profile: chosen, source: "option", reason: "the profile option" };
  if (chosen !== genericS3Profile) {
    const reason = driverOptions.endpoint === undefined ? "no endpoint: AWS S3" : `the endpoint's host is ${chosen.name}'s`;
    return { profile: chosen, source: "endpoint", reason };
  }
  const client: S3Client =
    driverOptions.client ??
    createS3Client({
      region: driverOptions.region,
      endpoint: driverOptions.endpoint!,
      ...(driverOptions.credentials === undefined ? {} : { credentials: driverOptions.credentials }),
      forcePathStyle: driverOptions.forcePathStyle ?? genericS3Profile.forcePathStyle,
      timeouts,
    });
  const deadline = AbortSignal.timeout(defaultProbeMs);
  const abortSignal = signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
  let headers: Record<string, string> | undefined;
  let failure: unknown;
  const command = new HeadBucketCommand({ Bucket: driverOptions.bucket });
  // Keeps the raw response headers of this one command (success or error),
  // without touching a client that was passed in.
  command.middlewareStack.add(
    (next) => async (args) => {
      try {
        const result = await next(args);
        headers = (result.response as { headers?: Record<string, string> }).headers;
        return result;
      } catch (error) {
        headers = (error as { $response?: { headers?: Record<string, string> } }).$response?.headers;
        throw error;
      }
    },
    { step: "deserialize", name: "stowageProbeHeaders" },
  );
  try {
    await client.send(command, { abortSignal });
  } catch (error) {
    failure = error;
  } finally {
    if (driverOptions.client === undefined) client.destroy();
  }
  if (headers !== undefined) {
    const signature = recogniseS3Server(headers);
    const profile = signature.kind === undefined ? undefined : profileByName(signature.kind);
    if (profile !== undefined) return { profile, source: "probe", reason: `recognised ${signature.kind} by ${signature.evidence}` };
    if (signature.kind !== undefined) {
      return { profile: genericS3Profile, source: "fallback", reason: `recognised ${signature.kind} (${signature.evidence}), which has no profile here` };
    }
    return { profile: genericS3Profile, source: "fallback", reason: `the server was not recognised (${signature.evidence})` };
  }
  const detail = failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure);
  return { profile: genericS3Profile, source: "fallback", reason: `the server gave no answer to recognise (${detail})` };
}
