import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  type CreateMultipartUploadCommandInput,
} from "@aws-sdk/client-s3";
import {
  StorageError,
  type DriverCompleteUploadOptions,
  type DriverCreateUploadOptions,
  type DriverListUploadsOptions,
  type DriverOperationOptions,
  type ObjectInfo,
  type UploadedPart,
  type UploadListing,
} from "@stowage/core";
import { checkMetadataValues } from "./check-metadata-values.js";
import { headObject } from "./get-object.js";
import { mapS3Error, s3CodeOf, statusOf } from "./map-s3-error.js";
import type { S3Context } from "./s3-context.js";
import { unquoteEtag } from "./unquote-etag.js";

// Multipart upload sessions (`Storage.uploads`): the S3 requests behind
// createUpload, listUploadParts, completeUpload, abortUpload and listUploads.
// Part URLs are signed by the driver's presigner (sign-upload-part.ts).

/** CreateMultipartUpload with the object's fields; nothing is visible at `key` until completion. */
export async function createUpload(context: S3Context, key: string, options: DriverCreateUploadOptions): Promise<{ uploadId: string }> {
  checkMetadataValues(context.profile, options.metadata);
  const input: CreateMultipartUploadCommandInput = {
    Bucket: context.bucket,
    Key: key,
    ContentType: options.contentType,
    Metadata: options.metadata,
  };
  if (options.cacheControl !== undefined) input.CacheControl = options.cacheControl;
  if (options.contentDisposition !== undefined) input.ContentDisposition = options.contentDisposition;
  if (options.contentEncoding !== undefined) input.ContentEncoding = options.contentEncoding;
  try {
    const output = await context.client.send(new CreateMultipartUploadCommand(input), { abortSignal: options.signal });
    if (output.UploadId === undefined || output.UploadId === "") throw new StorageError("Unknown", "CreateMultipartUpload returned no UploadId");
    return { uploadId: output.UploadId };
  } catch (error) {
    throw mapS3Error(error);
  }
}

/** ListParts, every page, ascending; an unknown upload is `NotFound`. */
export async function listUploadParts(context: S3Context, key: string, uploadId: string, options: DriverOperationOptions): Promise<UploadedPart[]> {
  const parts: UploadedPart[] = [];
  let marker: string | undefined;
  try {
    for (;;) {
      const output = await context.client.send(
        new ListPartsCommand({ Bucket: context.bucket, Key: key, UploadId: uploadId, ...(marker === undefined ? {} : { PartNumberMarker: marker }) }),
        { abortSignal: options.signal },
      );
      for (const part of output.Parts ?? []) {
        parts.push({ partNumber: part.PartNumber ?? 0, size: part.Size ?? 0, etag: unquoteEtag(part.ETag) });
      }
      const next = output.NextPartNumberMarker;
      if (output.IsTruncated !== true || next === undefined || next === marker) break;
      marker = next;
    }
  } catch (error) {
    throw uploadGone(error) ? noSuchUpload(error) : mapS3Error(error);
  }
  return parts.sort((a, b) => a.partNumber - b.partNumber);
}

/**
 * CompleteMultipartUpload with these parts. `ifNotExists` is sent as
 * `If-None-Match: *` (Storage passes it only where the profile's
 * `conditionalMultipartComplete` makes it atomic). The ObjectInfo comes
 * from a HEAD: CompleteMultipartUpload answers neither the size nor the
 * fields, and RGW 16 answers an empty ETag.
 */
export async function completeUpload(
  context: S3Context,
  key: string,
  uploadId: string,
  parts: { partNumber: number; etag: string }[],
  options: DriverCompleteUploadOptions,
): Promise<ObjectInfo> {
  const ifNotExists = options.ifNotExists === true;
  if (ifNotExists && !context.profile.conditionalMultipartComplete) {
    throw new StorageError("Unsupported", `The ${context.profile.name} profile cannot make CompleteMultipartUpload create-only (profile.conditionalMultipartComplete is off)`);
  }
  try {
    await context.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: context.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: `"${part.etag}"` })) },
        ...(ifNotExists ? { IfNoneMatch: "*" } : {}),
      }),
      { abortSignal: options.signal },
    );
  } catch (error) {
    throw uploadGone(error) ? noSuchUpload(error) : mapS3Error(error, { ifNotExists });
  }
  const info = await headObject(context, key, options);
  if (info === null) throw new StorageError("NotFound", `The upload of ${key} completed, but the object was deleted before it could be read`);
  return info;
}

/** AbortMultipartUpload; an upload that is already gone is a success. */
export async function abortUpload(context: S3Context, key: string, uploadId: string, options: DriverOperationOptions): Promise<void> {
  try {
    await context.client.send(new AbortMultipartUploadCommand({ Bucket: context.bucket, Key: key, UploadId: uploadId }), { abortSignal: options.signal });
  } catch (error) {
    if (uploadGone(error)) return;
    throw mapS3Error(error);
  }
}

/** ListMultipartUploads under `prefix`, every page. */
export async function listUploads(context: S3Context, options: DriverListUploadsOptions): Promise<UploadListing[]> {
  const uploads: UploadListing[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  try {
    for (;;) {
      const output = await context.client.send(
        new ListMultipartUploadsCommand({
          Bucket: context.bucket,
          ...(options.prefix === "" ? {} : { Prefix: options.prefix }),
          ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
          ...(uploadIdMarker === undefined ? {} : { UploadIdMarker: uploadIdMarker }),
        }),
        { abortSignal: options.signal },
      );
      for (const upload of output.Uploads ?? []) {
        if (upload.Key === undefined || upload.UploadId === undefined) continue;
        uploads.push({ key: upload.Key, uploadId: upload.UploadId, initiated: upload.Initiated ?? new Date(0) });
      }
      if (output.IsTruncated !== true) break;
      const nextKey = output.NextKeyMarker;
      const nextId = output.NextUploadIdMarker;
      if (nextKey === undefined || (nextKey === keyMarker && nextId === uploadIdMarker)) break;
      keyMarker = nextKey;
      uploadIdMarker = nextId;
    }
  } catch (error) {
    throw mapS3Error(error);
  }
  return uploads;
}

/** NoSuchUpload, or the 404 NoSuchKey that RGW 16 answers to ListParts of an aborted upload. */
function uploadGone(error: unknown): boolean {
  const code = s3CodeOf(error);
  return code === "NoSuchUpload" || code === "NoSuchKey" || (statusOf(error) === 404 && code !== "NoSuchBucket");
}

function noSuchUpload(error: unknown): StorageError {
  const mapped = mapS3Error(error);
  if (s3CodeOf(error) === "NoSuchUpload") return mapped;
  return new StorageError("NotFound", "The multipart upload no longer exists (it was aborted or completed)", { cause: error });
}
