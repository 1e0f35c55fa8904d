import { PutObjectCommand, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import { StorageError, type DriverPutBody, type DriverPutOptions, type ObjectInfo } from "@stowage/core";
import { checkMetadataValues } from "./check-metadata-values.js";
import { mapS3Error } from "./map-s3-error.js";
import { multipartUpload } from "./multipart-upload.js";
import { PartReader } from "./part-reader.js";
import { conditionalHeaders, infoAfterPut, type S3Writer } from "./s3-writer.js";
import { unquoteEtag } from "./unquote-etag.js";

const wellFormedEtag = /^[0-9a-f]{32}(-[1-9][0-9]{0,4})?$/;

/**
 * Stores a body: one PutObject when it is (or its stream ends) within the
 * threshold, else a multipart upload. Never leaves a partial object.
 */
export async function putObject(writer: S3Writer, key: string, body: DriverPutBody, options: DriverPutOptions): Promise<ObjectInfo> {
  const profile = writer.profile;
  const params: PutObjectCommandInput = {
    Bucket: writer.bucket,
    Key: key,
    ContentType: options.contentType,
    Metadata: options.metadata,
  };
  if (options.cacheControl !== undefined) params.CacheControl = options.cacheControl;
  if (options.contentDisposition !== undefined) params.ContentDisposition = options.contentDisposition;
  if (options.contentEncoding !== undefined) params.ContentEncoding = options.contentEncoding;
  checkMetadataValues(profile, options.metadata);
  const conditional = options.ifNotExists === true || options.ifMatch !== undefined;
  const bufferConditional = conditional && !profile.conditionalMultipartComplete;
  if (options.ifMatch !== undefined && profile.ifMatchComparesPrefix && !wellFormedEtag.test(options.ifMatch)) {
    // No stored object has this etag, but the server would compare only a prefix.
    throw new StorageError("PreconditionFailed", `The etag ${options.ifMatch} does not match the object's`);
  }

  if (body instanceof Uint8Array) {
    if (body.byteLength <= writer.multipartThreshold || bufferConditional) {
      if (bufferConditional && body.byteLength > writer.conditionalPutLimit) throw conditionalTooLarge(writer);
      return putSingle(writer, key, params, body, options);
    }
    body = bytesAsStream(body, writer.partSize);
  }

  const reader = new PartReader(body.getReader());
  try {
    const ended = await reader.fill(bufferConditional ? writer.conditionalPutLimit : writer.multipartThreshold);
    if (ended) return await putSingle(writer, key, params, reader.take(reader.buffered), options);
    if (bufferConditional) throw conditionalTooLarge(writer);
  } catch (error) {
    await reader.cancel(error);
    throw mapS3Error(error);
  }
  return multipartUpload(writer, key, params, reader, options);
}

function conditionalTooLarge(writer: S3Writer): StorageError {
  return new StorageError(
    "Unsupported",
    `The ${writer.profile.name} profile cannot make a multipart upload conditional; conditional puts are limited to ${writer.conditionalPutLimit} bytes`,
  );
}

async function putSingle(writer: S3Writer, key: string, params: PutObjectCommandInput, bytes: Uint8Array, options: DriverPutOptions): Promise<ObjectInfo> {
  const input: PutObjectCommandInput = {
    ...params,
    ...conditionalHeaders(writer, options),
    Body: bytes,
    ContentLength: bytes.byteLength,
  };
  if (options.sha256 !== undefined && writer.profile.supportsChecksumSha256) {
    input.ChecksumSHA256 = toBase64(hexToBytes(options.sha256));
  }
  try {
    const output = await writer.client.send(new PutObjectCommand(input), { abortSignal: options.signal });
    return infoAfterPut(key, bytes.byteLength, unquoteEtag(output.ETag), options);
  } catch (error) {
    throw mapS3Error(error, { ifNotExists: options.ifNotExists === true });
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function bytesAsStream(bytes: Uint8Array, chunkSize: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}
