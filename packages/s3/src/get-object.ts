import { GetObjectCommand, HeadObjectCommand, type GetObjectCommandOutput, type HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import { StorageError, type DriverGetOptions, type DriverGetResult, type DriverOperationOptions, type ObjectInfo } from "@stowage/core";
import { mapS3Error, s3CodeOf, statusOf } from "./map-s3-error.js";
import { responseBodyStream } from "./response-body-stream.js";
import type { S3Context } from "./s3-context.js";
import { unquoteEtag } from "./unquote-etag.js";

/** GetObject, with the range and conditions; `null` when the key does not exist. */
export async function getObject(context: S3Context, key: string, options: DriverGetOptions): Promise<DriverGetResult | null> {
  let range: string | undefined;
  if (options.range !== undefined) {
    const r = options.range;
    if ("suffix" in r) range = `bytes=-${r.suffix}`;
    else range = r.length === undefined ? `bytes=${r.offset}-` : `bytes=${r.offset}-${r.offset + r.length - 1}`;
  }
  let output: GetObjectCommandOutput;
  try {
    output = await context.client.send(
      new GetObjectCommand({
        Bucket: context.bucket,
        Key: key,
        Range: range,
        IfMatch: options.ifMatch === undefined ? undefined : `"${options.ifMatch}"`,
        IfNoneMatch: options.ifNoneMatch === undefined ? undefined : `"${options.ifNoneMatch}"`,
      }),
      { abortSignal: options.signal },
    );
  } catch (error) {
    if (isMissing(error)) return null;
    throw mapS3Error(error);
  }
  const info = objectInfo(key, output);
  let resultRange: { offset: number; length: number } | undefined;
  if (range !== undefined) {
    const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(output.ContentRange ?? "");
    if (match !== null) {
      const start = Number(match[1]);
      resultRange = { offset: start, length: Number(match[2]) - start + 1 };
      if (match[3] !== "*") info.size = Number(match[3]);
    } else {
      resultRange = { offset: 0, length: info.size };
    }
  }
  const signal = options.signal;
  const body = responseBodyStream(output.Body, (error) =>
    signal?.aborted ? new StorageError("Aborted", "The get was aborted", { cause: signal.reason ?? error }) : mapS3Error(error),
  );
  const result: DriverGetResult = { info, body };
  if (resultRange !== undefined) result.range = resultRange;
  return result;
}

/** HeadObject; `null` when the key does not exist. */
export async function headObject(context: S3Context, key: string, options: DriverOperationOptions): Promise<ObjectInfo | null> {
  try {
    const output = await context.client.send(new HeadObjectCommand({ Bucket: context.bucket, Key: key }), {
      abortSignal: options.signal,
    });
    return objectInfo(key, output);
  } catch (error) {
    if (isMissing(error)) return null;
    throw mapS3Error(error);
  }
}

function objectInfo(key: string, output: HeadObjectCommandOutput | GetObjectCommandOutput): ObjectInfo {
  const info: ObjectInfo = {
    key,
    size: output.ContentLength ?? 0,
    etag: unquoteEtag(output.ETag),
    lastModified: output.LastModified ?? new Date(0),
    contentType: output.ContentType ?? "application/octet-stream",
    metadata: { ...(output.Metadata ?? {}) },
  };
  if (output.CacheControl !== undefined) info.cacheControl = output.CacheControl;
  if (output.ContentDisposition !== undefined) info.contentDisposition = output.ContentDisposition;
  if (output.ContentEncoding !== undefined) info.contentEncoding = output.ContentEncoding;
  return info;
}

function isMissing(error: unknown): boolean {
  const code = s3CodeOf(error);
  return code === "NoSuchKey" || code === "NotFound" || (statusOf(error) === 404 && code !== "NoSuchBucket");
}
