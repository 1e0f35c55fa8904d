import type { Capabilities, CapabilityHints, SignPutConflict } from "@stowage/core";
import { genericS3Profile } from "./s3-profile-detection.js";
import type { S3Profile } from "./s3-profiles.js";

/**
 * What S3 signing refuses although each constraint alone is claimed: a
 * `maxSize` without an exact `size` is signed as a POST policy form
 * (`content-length-range`), and a POST upload cannot carry
 * `If-None-Match`, so it cannot be create-only. With `size` the upload is a
 * presigned PUT (the exact Content-Length is signed), which can.
 */
export function s3SignPutConflicts(capabilities: Capabilities): readonly SignPutConflict[] {
  const conflicts: SignPutConflict[] = [];
  if (capabilities.signPutMaxSize && capabilities.signPutIfNotExists) {
    conflicts.push({
      constraints: ["maxSize", "ifNotExists"],
      unless: ["size"],
      reason:
        "maxSize is enforced by a POST policy form, which cannot be create-only; " +
        "sign the file's exact size (at or under your limit) with ifNotExists instead",
    });
  }
  return Object.freeze(conflicts.map((conflict) => Object.freeze(conflict)));
}

/** Why a copy or delete condition is off on this profile, and how to do without it. */
function s3ConditionHints(profile: S3Profile): CapabilityHints {
  const server = profile === genericS3Profile ? "the generic S3 profile (an unrecognised server)" : `the ${profile.name} profile`;
  const ignored = profile === genericS3Profile ? "servers differ (Ceph RGW 16 ignores it)" : `${profile.name === "ceph-rgw" ? "Ceph RGW 16" : "its server"} ignores or refuses it`;
  const hints: Record<string, string> = {};
  const missesMultipart =
    `${profile.name === "swift" ? "Swift's s3api" : "its server"} compares If-Match with its own manifest etag, so it never matches an object uploaded in parts (<md5>-N; profile.ifMatchMissesMultipartEtag)`;
  if (!profile.deleteIfMatch || profile.ifMatchMissesMultipartEtag) {
    const why = profile.deleteIfMatch ? missesMultipart : `${server} has no conditional DeleteObject (If-Match; ${ignored})`;
    hints.deleteIfMatch = `${why}, so a move could lose a concurrent overwrite of the source (or never succeed); copy and delete yourself if that is acceptable`;
  }
  if (!profile.copySourceIfMatch || profile.ifMatchMissesMultipartEtag) {
    const why = profile.copySourceIfMatch ? missesMultipart : `${server} has no conditional copy source (x-amz-copy-source-if-match; ${ignored})`;
    hints.copyIfMatch = `${why}; check the source's etag with head before copying if a race is acceptable`;
  }
  if (!profile.copyIfNoneMatch || !profile.conditionalMultipartComplete) {
    hints.copyIfNotExists = !profile.copyIfNoneMatch
      ? `${server} has no create-only CopyObject (If-None-Match: *; ${profile.name === "swift" ? "Swift answers 501" : ignored}); ` +
        "check with exists() before copying if a race is acceptable"
      : `${server} cannot make a multipart copy's CompleteMultipartUpload create-only (profile.conditionalMultipartComplete is off)`;
  }
  return hints;
}

/** Why object expiry is off until `s3Driver({ expiry: true })`, and what deletes old objects without it. */
const expiryHint =
  "pass s3Driver({ ..., expiry: true }): expiry lives in each object's metadata, which ListObjectsV2 does not return, " +
  "so list then sends one HeadObject per listed object; or let a bucket lifecycle rule (S3 Expiration on a prefix, in whole days) delete old objects";

const signGetExpiryHint =
  "S3 presigned GETs are served by the server, which does not know an object's expiry; " +
  "signGet HEADs the object first, refuses an expired one and caps the URL's lifetime at its expiry";

/** How to do without the S3 capabilities that are off (`expiry`: whether `s3Driver({ expiry: true })` was passed). */
export function s3CapabilityHints(profile: S3Profile, expiry = false): CapabilityHints {
  const conditional =
    profile === genericS3Profile
      ? "the generic S3 profile (a custom endpoint with no profile, or a server that was not recognised) claims no conditional puts, " +
        'because servers differ (Ceph RGW compares If-Match differently, Swift answers 501): name your server\'s profile (s3Driver({ profile: "ceph-rgw" }), ' +
        "or &profile=… in an s3:// URL; see s3Profiles), or let detectS3Profile / openStorage recognise it"
      : `the ${profile.name} profile does not support conditional puts on this server`;
  return Object.freeze({
    ...s3ConditionHints(profile),
    ...(expiry ? {} : { expiry: expiryHint }),
    signGetExpiry: signGetExpiryHint,
    ...(profile.putIfNotExists ? {} : { putIfNotExists: conditional }),
    ...(profile.putIfMatch ? {} : { putIfMatch: conditional }),
    signPutOneTime:
      "S3 presigned URLs work until they expire; sign ifNotExists (create-only) where the profile enforces it, so a replay cannot overwrite",
    ...(profile.supportsPostPolicy
      ? {}
      : { signPutMaxSize: `the ${profile.name} profile has no POST policy uploads; sign the file's exact size (at or under your limit) instead` }),
    ...(profile.signedIfNoneMatch
      ? {}
      : { signPutIfNotExists: `the ${profile.name} profile does not enforce a signed If-None-Match (profile.signedIfNoneMatch is off)` }),
    ...(profile.conditionalMultipartComplete
      ? {}
      : {
          uploadIfNotExists:
            `the ${profile.name} profile's server ignores or refuses If-None-Match on CompleteMultipartUpload (profile.conditionalMultipartComplete is off), ` +
            "so a completion cannot be create-only; check with exists() before completing if a race is acceptable",
        }),
  });
}
