import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type CompletedPart,
} from "@aws-sdk/client-s3";
import { StorageError, type DriverCopyOptions, type ObjectInfo } from "@stowage/core";
import { AbortScope, waitUnlessAborted } from "./abort-scope.js";
import { SourceChanged, canPinSource, copySourceHeader, etagCondition, fieldParams, targetFields } from "./copy-source.js";
import { headObject } from "./get-object.js";
import { mapS3Error, statusOf } from "./map-s3-error.js";
import { abortedCleanupGraceMs } from "./multipart-upload.js";
import { computePartSize } from "./part-size.js";
import type { S3Writer } from "./s3-writer.js";
import { unquoteEtag } from "./unquote-etag.js";

/** Parts copied at once: they move no bytes through this process, only server time. */
export const copyConcurrency = 4;

/**
 * Copies `source` (as read by a HeadObject) to `to` as a multipart upload:
 * CreateMultipartUpload with the target's fields, UploadPartCopy of each
 * byte range (`copyConcurrency` at a time), CompleteMultipartUpload.
 *
 * Each part is pinned to the etag that was read (`x-amz-copy-source-if-match`)
 * where the profile honours it, so a source replaced midway fails (412)
 * instead of mixing versions; where it does not (Ceph RGW, or a multipart
 * source on Swift), the source is
 * read again after the parts and the copy fails if its etag changed. On any
 * failure or abort the upload is aborted, so nothing stays staged and the
 * target is untouched.
 */
export async function multipartCopy(writer: S3Writer, from: string, to: string, source: ObjectInfo, options: DriverCopyOptions): Promise<ObjectInfo> {
  const profile = writer.profile;
  const fields = targetFields(source, options);
  const partSize = computePartSize(source.size, writer.partSize);
  const partCount = Math.ceil(source.size / partSize);
  const scope = new AbortScope(options.signal);
  const abortSignal = scope.signal;
  const tracked = writer.uploads.begin(to);
  const copySource = copySourceHeader(writer.bucket, from);
  const pinned = canPinSource(writer, source.etag);
  const pin = pinned ? { CopySourceIfMatch: etagCondition(writer, source.etag) } : {};
  const workers: Promise<void>[] = [];
  let completed = false;
  try {
    const created = await writer.client.send(new CreateMultipartUploadCommand({ Bucket: writer.bucket, Key: to, ...fieldParams(fields) }), {
      abortSignal,
    });
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new StorageError("Unknown", "CreateMultipartUpload returned no UploadId");
    tracked.uploadId = uploadId;
    const parts: CompletedPart[] = new Array(partCount);
    let next = 0;
    const copyParts = async (): Promise<void> => {
      while (next < partCount) {
        abortSignal.throwIfAborted();
        const index = next++;
        const first = index * partSize;
        const last = Math.min(source.size, first + partSize) - 1;
        try {
          const output = await writer.client.send(
            new UploadPartCopyCommand({
              Bucket: writer.bucket,
              Key: to,
              UploadId: uploadId,
              PartNumber: index + 1,
              CopySource: copySource,
              CopySourceRange: `bytes=${first}-${last}`,
              ...pin,
            }),
            { abortSignal },
          );
          parts[index] = { PartNumber: index + 1, ETag: output.CopyPartResult?.ETag };
        } catch (error) {
          const status = statusOf(error);
          // Swift may answer a part of a replaced source with 404 or 416 (the
          // range is past the new, shorter object) instead of 412.
          const changed = (status === 412 && pinned) || ((status === 404 || status === 416) && (await sourceChangedFrom(writer, from, source.etag)));
          const failure = changed ? new SourceChanged(from, source.etag, error) : error;
          // Stops the other parts in flight.
          scope.abort(failure);
          throw failure;
        }
      }
    };
    for (let worker = 0; worker < Math.min(copyConcurrency, partCount); worker++) workers.push(copyParts());
    const settled = await Promise.allSettled(workers);
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === "rejected");
    // The first failure is the scope's reason; the other parts then failed as aborted.
    if (failed !== undefined) throw abortSignal.aborted ? abortSignal.reason : failed.reason;
    if (options.signal?.aborted) throw new StorageError("Aborted", "The copy was aborted", { cause: options.signal.reason });
    if (!pinned) {
      // The parts were not pinned: make sure they all came from one version.
      const now = await headObject(writer, from, { signal: abortSignal });
      if (now === null || now.etag !== source.etag) throw new SourceChanged(from, source.etag);
    }
    const output = await writer.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: writer.bucket,
        Key: to,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
        ...(options.ifNotExists ? { IfNoneMatch: "*" } : {}),
      }),
      { abortSignal },
    );
    completed = true;
    const etag = unquoteEtag(output.ETag);
    // CompleteMultipartUpload gives no Last-Modified (and Ceph RGW no etag):
    // one HEAD, worth it after a copy of at least the threshold's size.
    const target = await headObject(writer, to, options.signal === undefined ? {} : { signal: options.signal });
    if (target !== null && (etag === "" || profile.emptyEtagAfterMultipart || target.etag === etag)) return target;
    return {
      key: to,
      size: source.size,
      etag,
      lastModified: new Date(Math.floor(Date.now() / 1000) * 1000),
      ...fields,
      metadata: { ...fields.metadata },
    };
  } catch (error) {
    scope.abort(error);
    const uploadId = completed ? undefined : tracked.uploadId;
    const cleanup = (async () => {
      await waitUnlessAborted(Promise.allSettled(workers), abortSignal, writer.uploads.cleanupMs);
      if (uploadId !== undefined) await writer.uploads.abort({ key: to, uploadId });
    })();
    await waitUnlessAborted(cleanup, options.signal, abortedCleanupGraceMs);
    if (error instanceof SourceChanged) throw error;
    if (options.signal?.aborted) throw new StorageError("Aborted", "The copy was aborted", { cause: options.signal.reason });
    throw mapS3Error(error, { ifNotExists: options.ifNotExists === true });
  } finally {
    scope.dispose();
    writer.uploads.end(tracked);
  }
}

/** True when `from` no longer has `etag` (replaced or gone). */
async function sourceChangedFrom(writer: S3Writer, from: string, etag: string): Promise<boolean> {
  const now = await headObject(writer, from, {}).catch(() => undefined);
  return now !== undefined && (now === null || now.etag !== etag);
}
