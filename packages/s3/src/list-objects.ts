import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { DriverListOptions, ListPage, ObjectInfo } from "@stowage/core";
import { mapS3Error } from "./map-s3-error.js";
import type { S3Context } from "./s3-context.js";
import { unquoteEtag } from "./unquote-etag.js";

/** One page of ListObjectsV2: the continuation token is the cursor, `limit` is MaxKeys. */
export async function listObjects(context: S3Context, options: DriverListOptions): Promise<ListPage> {
  try {
    const output = await context.client.send(
      new ListObjectsV2Command({
        Bucket: context.bucket,
        Prefix: options.prefix === "" ? undefined : options.prefix,
        Delimiter: options.delimiter,
        MaxKeys: options.limit,
        ContinuationToken: options.cursor,
      }),
      { abortSignal: options.signal },
    );
    const objects: ObjectInfo[] = (output.Contents ?? []).map((entry) => ({
      key: entry.Key ?? "",
      size: entry.Size ?? 0,
      etag: unquoteEtag(entry.ETag),
      lastModified: entry.LastModified ?? new Date(0),
      // ListObjectsV2 returns neither the content type nor metadata.
      contentType: "",
      metadata: {},
    }));
    const prefixes = (output.CommonPrefixes ?? []).map((entry) => entry.Prefix ?? "");
    const page: ListPage = { objects, prefixes };
    if (output.IsTruncated && output.NextContinuationToken) page.cursor = output.NextContinuationToken;
    return page;
  } catch (error) {
    throw mapS3Error(error);
  }
}
