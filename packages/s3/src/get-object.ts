import { GetObjectCommand, HeadObjectCommand, type GetObjectCommandOutput, type HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import { StorageError, type DriverGetOptions, type DriverGetResult, type DriverOperationOptions, type ObjectInfo } from "@stowage/core";
import { rangeHeader, selectRange, sliceBody } from "./ignored-range.js";
import { mapS3Error, s3CodeOf, statusOf } from "./map-s3-error.js";
import { responseBodyStream } from "./response-body-stream.js";
import type { S3Context } from "./s3-context.js";
import { unquoteEtag } from "./unquote-etag.js";

/** What S3 etags look like: an MD5 in hex, with `-<parts>` after a multipart upload. */
const wellFormedEtag = /^[0-9a-f]{32}(-[1-9][0-9]{0,4})?$/;

/** The content type S3 stores when an upload (a signed PUT) names none. */
const s3DefaultContentType = "binary/octet-stream";

/**
 * GetObject, with the range and conditions; `null` when the key does not exist.
 *
 * Conditions are checked again against the etag the server returns, whole,
 * on every profile: a server that compares only a prefix (Ceph RGW) answers
 * a GET `If-Match: "<etag>x"` with the object. On such a server an
 * `ifNoneMatch` that is not a well-formed etag (no object has it) is not
 * sent, and a 304 to one with a part count (`<md5>-N`, which could start with
 * a plain etag) is confirmed by a HEAD.
 *
 * A ranged GET answered with 200 and no Content-Range (the server ignored
 * `Range`, which HTTP allows) is cut to the requested bytes here, or refused
 * with `RangeNotSatisfiable` when the range selects nothing.
 */
export async function getObject(context: S3Context, key: string, options: DriverGetOptions): Promise<DriverGetResult | null> {
  const prefixServer = context.profile.getConditionsComparePrefix;
  const ifNoneMatch = options.ifNoneMatch;
  let sendIfNoneMatch = ifNoneMatch !== undefined && (!prefixServer || wellFormedEtag.test(ifNoneMatch));
  let output: GetObjectCommandOutput;
  for (;;) {
    try {
      output = await sendGet(context, key, options, sendIfNoneMatch);
      break;
    } catch (error) {
      if (isMissing(error)) return null;
      if (sendIfNoneMatch && prefixServer && statusOf(error) === 304 && ifNoneMatch!.includes("-")) {
        const current = await headObject(context, key, options);
        if (current === null) return null;
        if (current.etag !== ifNoneMatch) {
          sendIfNoneMatch = false;
          continue;
        }
      }
      throw mapS3Error(error);
    }
  }
  const info = objectInfo(key, output);
  const signal = options.signal;
  let body = responseBodyStream(output.Body, (error) =>
    signal?.aborted ? new StorageError("Aborted", "The get was aborted", { cause: signal.reason ?? error }) : mapS3Error(error),
  );
  const refuse = (error: StorageError): never => {
    body.cancel().catch(() => undefined);
    throw error;
  };
  if (options.ifMatch !== undefined && info.etag !== options.ifMatch) {
    refuse(new StorageError("PreconditionFailed", `The object's etag is ${info.etag}, not the ${options.ifMatch} given as ifMatch`, { key }));
  }
  if (ifNoneMatch !== undefined && info.etag === ifNoneMatch) {
    refuse(new StorageError("NotModified", "The object has not changed: it still has the etag given as ifNoneMatch", { key }));
  }
  let resultRange: { offset: number; length: number } | undefined;
  if (options.range !== undefined) {
    const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(output.ContentRange ?? "");
    if (match !== null) {
      const start = Number(match[1]);
      resultRange = { offset: start, length: Number(match[2]) - start + 1 };
      if (match[3] !== "*") info.size = Number(match[3]);
    } else {
      // The server ignored Range and sent the whole object.
      const selected = selectRange(options.range, info.size);
      if (selected === null) {
        refuse(
          new StorageError("RangeNotSatisfiable", `The range selects no bytes of the object (${info.size} bytes); the server ignored it and sent the whole object`, {
            key,
          }),
        );
      }
      resultRange = selected!;
      if (resultRange.offset > 0 || resultRange.length < info.size) body = sliceBody(body, resultRange.offset, resultRange.length);
    }
  }
  const result: DriverGetResult = { info, body };
  if (resultRange !== undefined) result.range = resultRange;
  return result;
}

function sendGet(context: S3Context, key: string, options: DriverGetOptions, sendIfNoneMatch: boolean): Promise<GetObjectCommandOutput> {
  return context.client.send(
    new GetObjectCommand({
      Bucket: context.bucket,
      Key: key,
      Range: rangeHeader(options.range),
      IfMatch: options.ifMatch === undefined ? undefined : `"${options.ifMatch}"`,
      IfNoneMatch: sendIfNoneMatch ? `"${options.ifNoneMatch}"` : undefined,
    }),
    { abortSignal: options.signal },
  );
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
    // S3's own default (an upload through a signed URL sent without a
    // content type) reads back as every other backend's.
    contentType: output.ContentType === undefined || output.ContentType === s3DefaultContentType ? "application/octet-stream" : output.ContentType,
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
