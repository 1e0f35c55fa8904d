import { DeleteObjectCommand, DeleteObjectsCommand, type S3Client } from "@aws-sdk/client-s3";
import { StorageError, type DriverDeleteOptions } from "@stowage/core";
import { deleteIfMatch } from "./conditional-delete.js";
import { mapS3Error } from "./map-s3-error.js";
import type { S3Context } from "./s3-context.js";

/** Characters XML 1.0 cannot carry that a legal key may hold. */
const xmlForbidden = /[\uFFFE\uFFFF]/;

/**
 * DeleteObject for one key, DeleteObjects for several (up to 1,000). Keys
 * that fail are named in the error; `cause` holds the per-key errors. On a
 * profile whose DeleteObjects needs `Content-MD5` (Swift), it is sent
 * instead of the SDK's CRC32 headers. With `ifMatch` (one key), a
 * conditional DeleteObject (`deleteIfMatch`).
 */
export async function deleteObjects(context: S3Context, keys: string[], options: DriverDeleteOptions): Promise<void> {
  if (keys.length === 0) return;
  if (options.ifMatch !== undefined) {
    if (keys.length !== 1) throw new StorageError("InvalidArgument", "ifMatch deletes exactly one key");
    return deleteIfMatch(context, keys[0], options.ifMatch, options);
  }
  const abortSignal = options.signal;
  try {
    // XML 1.0 cannot carry U+FFFE or U+FFFF (core refuses control
    // characters), so keys holding them go one by one, in the URL path
    // (Swift refuses the request body with MalformedXML).
    const inXml = keys.filter((key) => !xmlForbidden.test(key));
    for (const key of keys.length === 1 ? keys : keys.filter((key) => xmlForbidden.test(key))) {
      await context.client.send(new DeleteObjectCommand({ Bucket: context.bucket, Key: key }), { abortSignal });
    }
    if (keys.length === 1 || inXml.length === 0) return;
    if (inXml.length === 1) {
      await context.client.send(new DeleteObjectCommand({ Bucket: context.bucket, Key: inXml[0] }), { abortSignal });
      return;
    }
    const command = new DeleteObjectsCommand({
      Bucket: context.bucket,
      Delete: { Objects: inXml.map((key) => ({ Key: key })), Quiet: true },
    });
    if (context.profile.deleteObjectsNeedsContentMd5) useContentMd5(command, context.client);
    const output = await context.client.send(command, { abortSignal });
    const errors = (output.Errors ?? []).filter((entry) => entry.Code !== "NoSuchKey");
    if (errors.length > 0) {
      const first = mapS3Error(Object.assign(new Error(errors[0].Message ?? ""), { name: errors[0].Code ?? "Unknown" }));
      const listed = errors
        .slice(0, 5)
        .map((entry) => `${entry.Key}: ${entry.Code}`)
        .join(", ");
      throw new StorageError(first.code, `${errors.length} of ${inXml.length} keys were not deleted (${listed}${errors.length > 5 ? ", ..." : ""})`, {
        cause: errors,
        ...(errors.length === 1 ? { key: errors[0].Key } : {}),
      });
    }
  } catch (error) {
    throw mapS3Error(error);
  }
}

/**
 * Replaces the SDK's flexible checksum headers (`x-amz-checksum-crc32`,
 * `x-amz-sdk-checksum-algorithm`) on this one command with `Content-MD5` of
 * the serialized body, before signing. The MD5 and base64 come from the
 * client's own config, so no platform module is needed.
 */
function useContentMd5(command: DeleteObjectsCommand, client: S3Client): void {
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string>; body?: unknown };
      if (request.headers !== undefined && (typeof request.body === "string" || request.body instanceof Uint8Array)) {
        for (const name of Object.keys(request.headers)) {
          const lower = name.toLowerCase();
          if (lower.startsWith("x-amz-checksum-") || lower === "x-amz-sdk-checksum-algorithm" || lower === "content-md5") delete request.headers[name];
        }
        const hash = new client.config.md5();
        hash.update(request.body);
        request.headers["content-md5"] = client.config.base64Encoder(await hash.digest());
      }
      return next(args);
    },
    // After the SDK's flexibleChecksumsMiddleware (build, normal priority),
    // before signing (finalizeRequest).
    { step: "build", priority: "low", name: "stowageContentMd5" },
  );
}
