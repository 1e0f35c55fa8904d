import { UsageError } from "./errors.js";

/** The bucket, endpoint, region and addressing of an `s3://` URL, with openStorage's environment defaults. */
export interface S3UrlParts {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
}

/** Reads `s3://bucket[/…]?endpoint=…&region=…&forcePathStyle=…` the way openStorage does (endpoint and region fall back to the AWS variables). */
export function s3UrlParts(url: string, env: Record<string, string | undefined>): S3UrlParts {
  const match = /^s3:\/\/([^/?#]+)[^?#]*(?:\?([^#]*))?/i.exec(url);
  if (match === null) throw new UsageError(`"${url}" has no bucket: use s3://bucket?endpoint=…`);
  const query = new URLSearchParams(match[2] ?? "");
  const endpoint = query.get("endpoint") || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const region = query.get("region") || env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1";
  const pathStyle = query.get("forcePathStyle");
  return {
    bucket: decodeURIComponent(match[1]!),
    region,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(pathStyle === null ? {} : { forcePathStyle: pathStyle === "true" }),
  };
}
