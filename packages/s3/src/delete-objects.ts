import { DeleteObjectCommand, DeleteObjectsCommand } from "@aws-sdk/client-s3";
import { StorageError, type DriverOperationOptions } from "@stowage/core";
import { mapS3Error } from "./map-s3-error.js";
import type { S3Context } from "./s3-context.js";

/**
 * DeleteObject for one key, DeleteObjects for several (up to 1,000). Keys
 * that fail are named in the error; `cause` holds the per-key errors.
 */
export async function deleteObjects(context: S3Context, keys: string[], options: DriverOperationOptions): Promise<void> {
  if (keys.length === 0) return;
  const abortSignal = options.signal;
  try {
    if (keys.length === 1) {
      await context.client.send(new DeleteObjectCommand({ Bucket: context.bucket, Key: keys[0] }), { abortSignal });
      return;
    }
    const output = await context.client.send(
      new DeleteObjectsCommand({
        Bucket: context.bucket,
        Delete: { Objects: keys.map((key) => ({ Key: key })), Quiet: true },
      }),
      { abortSignal },
    );
    const errors = (output.Errors ?? []).filter((entry) => entry.Code !== "NoSuchKey");
    if (errors.length > 0) {
      const first = mapS3Error(Object.assign(new Error(errors[0].Message ?? ""), { name: errors[0].Code ?? "Unknown" }));
      const listed = errors
        .slice(0, 5)
        .map((entry) => `${entry.Key}: ${entry.Code}`)
        .join(", ");
      throw new StorageError(first.code, `${errors.length} of ${keys.length} keys were not deleted (${listed}${errors.length > 5 ? ", ..." : ""})`, {
        cause: errors,
        ...(errors.length === 1 ? { key: errors[0].Key } : {}),
      });
    }
  } catch (error) {
    throw mapS3Error(error);
  }
}
