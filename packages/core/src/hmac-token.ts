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
 * The exact text that is signed: a JSON array of the format version, the
 * method, the key and every signed parameter's raw value (`null` when absent),
 * so no two different requests share a text.
 */
export function canonicalString(method: "GET" | "PUT", key: string, values: readonly (string | null)[]): string {
  return JSON.stringify([formatVersion, method, key, ...values]);
}

/** `a b/c` becomes `a%20b/c`: each segment percent-encoded, slashes kept. */
export function encodeKeyPath(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}
