import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { StorageError, type DriverDeleteOptions } from "@stowage/core";
import { headObject } from "./get-object.js";
import { mapS3Error, statusOf } from "./map-s3-error.js";
import type { S3Context } from "./s3-context.js";

/** What S3 etags look like: an MD5 in hex, with `-<parts>` after a multipart upload. */
const wellFormedEtag = /^[0-9a-f]{32}(-[1-9][0-9]{0,4})?$/;

function preconditionFailed(key: string, etag: string, detail: string, cause?: unknown): StorageError {
  return new StorageError(
    "PreconditionFailed",
    `${key} was not deleted: ${detail}, not ${etag} (it was changed or deleted since you read it)`,
    { key, ...(cause === undefined ? {} : { cause }) },
  );
}

/**
 * DeleteObject with `If-Match` (quoted as the profile says): deletes the
 * key only at etag `ifMatch`. A 412 (stale etag) and a 404 (AWS: no object
 * to match) reject with `PreconditionFailed`. On a profile whose server
 * answers 204 for a missing key (Swift), the object is read first so a
 * missing one fails too. Called only on profiles with `deleteIfMatch`.
 */
export async function deleteIfMatch(context: S3Context, key: string, ifMatch: string, options: DriverDeleteOptions): Promise<void> {
  const profile = context.profile;
  if (profile.ifMatchComparesPrefix && !wellFormedEtag.test(ifMatch)) {
    // No stored object has this etag, but the server would compare only a prefix.
    throw preconditionFailed(key, ifMatch, "no object has such an etag");
  }
  if (profile.deleteIfMatchMissingSucceeds) {
    const current = await headObject(context, key, options.signal === undefined ? {} : { signal: options.signal });
    if (current === null) throw preconditionFailed(key, ifMatch, "it does not exist");
    if (current.etag !== ifMatch) throw preconditionFailed(key, ifMatch, `its etag is ${current.etag}`);
  }
  try {
    await context.client.send(
      new DeleteObjectCommand({ Bucket: context.bucket, Key: key, IfMatch: profile.ifMatchQuoted ? `"${ifMatch}"` : ifMatch }),
      { abortSignal: options.signal },
    );
  } catch (error) {
    const status = statusOf(error);
    if (status === 412 || status === 404) {
      throw preconditionFailed(key, ifMatch, status === 404 ? "it does not exist" : "its etag is another one", mapS3Error(error));
    }
    throw mapS3Error(error);
  }
}
