import { CopyObjectCommand, type CopyObjectCommandInput } from "@aws-sdk/client-s3";
import { StorageError, type DriverCopyOptions, type ObjectInfo } from "@stowage/core";
import { checkMetadataValues } from "./check-metadata-values.js";
import { SourceChanged, canPinSource, copySourceHeader, etagCondition, fieldParams, targetFields } from "./copy-source.js";
import { headObject } from "./get-object.js";
import { mapS3Error, statusOf } from "./map-s3-error.js";
import { multipartCopy } from "./multipart-copy.js";
import type { S3Writer } from "./s3-writer.js";
import { unquoteEtag } from "./unquote-etag.js";

/** Attempts when the source changes under a copy the caller did not pin with `ifMatch`. */
const attemptsWhenSourceChanges = 3;

/**
 * Copies inside the server: the source is read (HeadObject: its size,
 * fields and etag), then copied by one CopyObject up to
 * `multipartCopyThreshold` bytes, or part by part (`multipartCopy`) above.
 * No body byte passes through this process.
 *
 * - A missing source rejects with `NotFound`.
 * - `ifMatch` (only on profiles with `copySourceIfMatch`) is sent as
 *   `x-amz-copy-source-if-match`; where the profile has it, the copy is
 *   also pinned to the etag that was read, so the fields returned (and the
 *   parts of a multipart copy) belong to the bytes copied. When an unpinned
 *   caller's source changes in between, the copy starts over (3 attempts).
 *   Swift never matches a multipart etag there, so such a source is not
 *   pinned (it is checked again after a multipart copy instead).
 * - `ifNotExists` (only on profiles with `copyIfNoneMatch` and
 *   `conditionalMultipartComplete`) is `If-None-Match: *` on the CopyObject
 *   or the CompleteMultipartUpload.
 */
export async function copyObject(writer: S3Writer, from: string, to: string, options: DriverCopyOptions): Promise<ObjectInfo> {
  if (options.replace !== undefined) checkMetadataValues(writer.profile, options.replace.metadata);
  const signalOption = options.signal === undefined ? {} : { signal: options.signal };
  for (let attempt = 1; ; attempt++) {
    const source = await headObject(writer, from, signalOption);
    if (source === null) throw new StorageError("NotFound", `${from} does not exist, so it cannot be copied`, { key: from });
    if (options.ifMatch !== undefined && source.etag !== options.ifMatch) {
      throw new SourceChanged(from, options.ifMatch).toPreconditionFailed();
    }
    try {
      if (source.size > writer.multipartCopyThreshold) return await multipartCopy(writer, from, to, source, options);
      return await singleCopy(writer, from, to, source, options);
    } catch (error) {
      if (!(error instanceof SourceChanged)) throw error;
      if (options.ifMatch !== undefined || attempt >= attemptsWhenSourceChanges) throw error.toPreconditionFailed();
    }
  }
}

async function singleCopy(writer: S3Writer, from: string, to: string, source: ObjectInfo, options: DriverCopyOptions): Promise<ObjectInfo> {
  const profile = writer.profile;
  const fields = targetFields(source, options);
  const pinned = canPinSource(writer, source.etag);
  const input: CopyObjectCommandInput = {
    Bucket: writer.bucket,
    Key: to,
    CopySource: copySourceHeader(writer.bucket, from),
    ...(pinned ? { CopySourceIfMatch: etagCondition(writer, source.etag) } : {}),
    ...(options.ifNotExists ? { IfNoneMatch: "*" } : {}),
    ...(options.replace === undefined ? { MetadataDirective: "COPY" } : { MetadataDirective: "REPLACE", ...fieldParams(options.replace) }),
  };
  let etag: string;
  let lastModified: Date | undefined;
  try {
    const output = await writer.client.send(new CopyObjectCommand(input), { abortSignal: options.signal });
    etag = unquoteEtag(output.CopyObjectResult?.ETag);
    lastModified = output.CopyObjectResult?.LastModified;
  } catch (error) {
    if (statusOf(error) === 412) {
      // Both conditions answer 412: tell them apart by the target.
      if (options.ifNotExists && (await headObject(writer, to, options.signal === undefined ? {} : { signal: options.signal })) !== null) {
        throw mapS3Error(error, { ifNotExists: true });
      }
      if (pinned) throw new SourceChanged(from, source.etag, error);
    }
    throw mapS3Error(error, { ifNotExists: options.ifNotExists === true });
  }
  // Unpinned (Ceph RGW), or an etag the answer left out: the target says
  // what was stored, when it still holds what this copy wrote.
  if (etag === "" || (!pinned && etag !== source.etag)) {
    const target = await headObject(writer, to, options.signal === undefined ? {} : { signal: options.signal });
    if (target !== null && (etag === "" || target.etag === etag)) return target;
  }
  return {
    key: to,
    size: source.size,
    etag,
    // Whole seconds, as HeadObject (Last-Modified) gives it.
    lastModified: new Date(Math.floor((lastModified ?? new Date()).getTime() / 1000) * 1000),
    ...fields,
    metadata: { ...fields.metadata },
  };
}
