import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { StorageError, compareUtf8, type DriverListOptions, type ListPage, type ObjectInfo } from "@stowage/core";
import { mapS3Error } from "./map-s3-error.js";
import type { S3Context } from "./s3-context.js";
import { unquoteEtag } from "./unquote-etag.js";

/**
 * One page of ListObjectsV2: the continuation token is the cursor, `limit` is
 * MaxKeys. It asks for `EncodingType=url`, so a key XML 1.0 cannot carry
 * (U+FFFF, control characters) still lists (Swift answers 500 otherwise), and
 * decodes the keys and common prefixes.
 *
 * `startAfter` is ListObjectsV2's `StartAfter`. On a profile whose server
 * also lists the common prefix that contains it (Swift lists `a/` for
 * `a/1`), common prefixes at or before `startAfter` are dropped here, so
 * only entries strictly after it are returned.
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
        StartAfter: options.startAfter,
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
    let prefixes = (output.CommonPrefixes ?? []).map((entry) => decode(entry.Prefix));
    const startAfter = options.startAfter;
    if (startAfter !== undefined && context.profile.startAfterListsEnclosingPrefix) {
      prefixes = prefixes.filter((prefix) => compareUtf8(prefix, startAfter) > 0);
    }
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
