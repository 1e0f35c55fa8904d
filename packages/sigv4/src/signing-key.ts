import { HmacSha256Key } from "./hmac-sha256.js";

const textEncoder = new TextEncoder();
const maxCachedKeys = 64;
const cache = new Map<string, HmacSha256Key>();

function hmac(key: Uint8Array, data: string): Uint8Array {
  return new HmacSha256Key(key).sign(textEncoder.encode(data));
}

/**
 * The SigV4 signing key for one day, region and service, derived from the
 * secret by four HMACs (`AWS4` + secret → date → region → service →
 * `aws4_request`) and cached per (secret, date, region, service). The cache
 * holds at most 64 keys and drops the oldest first.
 */
export function signingKey(secretAccessKey: string, shortDate: string, region: string, service: string): HmacSha256Key {
  const cacheKey = `${shortDate}\n${region}\n${service}\n${secretAccessKey}`;
  let key = cache.get(cacheKey);
  if (key !== undefined) return key;
  let bytes = hmac(textEncoder.encode(`AWS4${secretAccessKey}`), shortDate);
  bytes = hmac(bytes, region);
  bytes = hmac(bytes, service);
  bytes = hmac(bytes, "aws4_request");
  key = new HmacSha256Key(bytes);
  if (cache.size >= maxCachedKeys) cache.delete(cache.keys().next().value as string);
  cache.set(cacheKey, key);
  return key;
}
