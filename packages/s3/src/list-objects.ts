import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { StorageError, type DriverListOptions, type ListPage, type ObjectInfo } from "@stowage/core";
import { mapS3Error } from "./map-s3-error.js";
import type { S3Context } from "./s3-context.js";
import { unquoteEtag } from "./unquote-etag.js";

/**
 * One page of ListObjectsV2: the continuation token is the cursor, `limit` is
 * MaxKeys. It asks for `EncodingType=url`, so a key XML 1.0 cannot carry
 * (U+FFFF, control characters) still lists (Swift answers 500 otherwise), and
 * decodes the keys and common prefixes.
 */
export async function listObjects(context: S3Context, options: DriverListOptions): Promise<ListPage> {
  let encoded = false;
  try {
    const output = await context.client.send(
      new ListObjectsV2Command({
        Bucket: context.bucket,
        Prefix: options.prefix === "" ? undefined : options.prefix,
        Delimiter: options.delimiter,
        MaxKeys: options.limit,
        ContinuationToken: options.cursor,
        EncodingType: "url",
      }),
      { abortSignal: options.signal },
    );
    // A server that did not encode says so by leaving EncodingType out.
    encoded = output.EncodingType === "url";
    const decode = (value: string | undefined): string => (value === undefined ? "" : encoded ? decodeListedName(value) : value);
    const objects: ObjectInfo[] = (output.Contents ?? []).map((entry) => ({
      key: decode(entry.Key),
      size: entry.Size ?? 0,
      etag: unquoteEtag(entry.ETag),
      lastModified: entry.LastModified ?? new Date(0),
      // ListObjectsV2 returns neither the content type nor metadata.
      contentType: "",
      metadata: {},
    }));
    const prefixes = (output.CommonPrefixes ?? []).map((entry) => decode(entry.Prefix));
    const page: ListPage = { objects, prefixes };
    // The continuation token is opaque (never URL-encoded by the server).
    if (output.IsTruncated && output.NextContinuationToken) page.cursor = output.NextContinuationToken;
    return page;
  } catch (error) {
    throw mapS3Error(error);
  }
}

/**
 * A key or prefix from a listing with `EncodingType=url`: percent-encoded
 * UTF-8, where AWS writes a space as `+` (and a `+` as `%2B`; Ceph RGW and
 * Swift write `%20` and `%2B`).
 */
export function decodeListedName(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch (error) {
    throw new StorageError("Unknown", `The server listed a name that is not valid URL encoding: ${JSON.stringify(value)}`, { cause: error });
  }
}
