/**
 * The signed-URL format shared by the signer (core) and the handler
 * (@stowage/http). A URL is `<baseUrl>/<key, each segment percent-encoded>?<params>`
 * and the `sig` parameter is the HMAC-SHA256 of `canonicalString(...)`.
 */

/** The query parameters, in the order the signer writes them. */
export const signedUrlParams = {
  expires: "expires",
  keyId: "kid",
  contentType: "content-type",
  size: "size",
  maxSize: "max-size",
  nonce: "nonce",
  ifNotExists: "if-not-exists",
  downloadFilename: "filename",
  responseContentType: "response-content-type",
  signature: "sig",
} as const;

/** Every parameter the signature covers, in canonical order (all but `sig`). */
export const signedParamOrder: readonly string[] = [
  signedUrlParams.expires,
  signedUrlParams.keyId,
  signedUrlParams.contentType,
  signedUrlParams.size,
  signedUrlParams.maxSize,
  signedUrlParams.nonce,
  signedUrlParams.ifNotExists,
  signedUrlParams.downloadFilename,
  signedUrlParams.responseContentType,
];

const formatVersion = "stowage-hmac-v1";

/**
 * The exact text that is signed: the format version, the method, the key and
 * every signed parameter's raw value, one per line, each marked `+` when
 * present and `-` when absent. No key or value may contain a line break (keys
 * cannot hold control characters; the verifier refuses any value with one),
 * so no two different requests share a text.
 */
export function canonicalString(method: "GET" | "PUT", key: string, values: readonly (string | null)[]): string {
  let text = `${formatVersion}\n${method}\n${key}`;
  for (const value of values) text += value === null ? "\n-" : `\n+${value}`;
  return text;
}

/** True when a value can go into the canonical text (it has no line break). */
export function isCanonicalValue(value: string): boolean {
  return !value.includes("\n") && !value.includes("\r");
}

/** `a b/c` becomes `a%20b/c`: each segment percent-encoded, slashes kept. */
export function encodeKeyPath(key: string): string {
  return encodeURIComponent(key).replace(slashPattern, "/");
}

const slashPattern = /%2F/g;
