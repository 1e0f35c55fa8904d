/** How the driver addresses its bucket. */
export interface BucketAddress {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
}

const ipHost = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])(:\d+)?$/i;
const virtualHostableBucket = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/**
 * The bucket's base URL without a trailing slash, as the AWS SDK addresses
 * it: `https://bucket.host` (virtual-hosted) or `https://host/bucket` (path
 * style: forced, an IP endpoint, or a bucket name that is not DNS-safe).
 * An object's URL is this plus `/` plus the encoded key.
 */
export function bucketBaseUrl(address: BucketAddress): string {
  let protocol = "https:";
  let host = `s3.${address.region}.amazonaws.com`;
  let basePath = "";
  if (address.endpoint !== undefined) {
    const endpoint = new URL(address.endpoint);
    protocol = endpoint.protocol;
    host = endpoint.host;
    basePath = endpoint.pathname.replace(/\/+$/, "");
  }
  const pathStyle = address.forcePathStyle || ipHost.test(host) || !virtualHostableBucket.test(address.bucket);
  if (pathStyle) return `${protocol}//${host}${basePath}/${address.bucket}`;
  return `${protocol}//${address.bucket}.${host}${basePath}`;
}
