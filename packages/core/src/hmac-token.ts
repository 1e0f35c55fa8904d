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
  inline: "inline",
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
  signedUrlParams.inline,
];

/**
 * How many of `signedParamOrder` have a line in every canonical text (the
 * parameters of the first format). Parameters added later (`inline`) get a
 * line, with their name, only when present, so URLs minted before they
 * existed still verify, and a URL cannot gain or lose one unnoticed.
 */
const alwaysPresentParams = 9;

const formatVersion = "stowage-hmac-v1";

/**
 * The exact text that is signed: the format version, the method, the key and
 * every signed parameter's raw value, one per line, each marked `+` when
 * present and `-` when absent (later parameters: a `+name=value` line when
 * present, none when absent). No key or value may contain a line break (keys
 * cannot hold control characters; the verifier refuses any value with one),
 * so no two different requests share a text.
 */
export function canonicalString(method: "GET" | "PUT", key: string, values: readonly (string | null)[]): string {
  let text = `${formatVersion}\n${method}\n${key}`;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (index < alwaysPresentParams) text += value === null ? "\n-" : `\n+${value}`;
    else if (value !== null) text += `\n+${signedParamOrder[index]}=${value}`;
  }
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
