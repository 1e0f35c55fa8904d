const reservedByUriEncode = /[!'()*]/g;
const hasReserved = /[!'()*]/;
const unreserved = /^[A-Za-z0-9\-_.~]*$/;
const percentEncodeReserved = (character: string): string => `%${character.charCodeAt(0).toString(16).toUpperCase()}`;

/**
 * Percent-encodes a string as SigV4 wants (RFC 3986): every byte except
 * `A-Z a-z 0-9 - _ . ~` becomes `%XX`. The same as the AWS SDK's `escapeUri`.
 */
export function encodeRfc3986(value: string): string {
  if (unreserved.test(value)) return value;
  const encoded = encodeURIComponent(value);
  return hasReserved.test(encoded) ? encoded.replace(reservedByUriEncode, percentEncodeReserved) : encoded;
}

/**
 * Encodes an object key for an S3 URL path: each `/`-separated segment with
 * {@link encodeRfc3986}, the slashes kept. The same as the AWS SDK's S3 serializer.
 */
export function encodeKeyPath(key: string): string {
  return key.split("/").map(encodeRfc3986).join("/");
}
