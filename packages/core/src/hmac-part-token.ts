import { constantTimeEqual, type HmacKeyring } from "./hmac-keyring.js";
import { isCanonicalValue } from "./hmac-token.js";

/**
 * The signed upload-part URL format shared by the signer (core) and the
 * handler (@stowage/http): `<baseUrl>/<key>?upload-id=…&part=…&expires=…&kid=…[&size=…]&sig=…`.
 * It has its own canonical text (a different first line from object URLs),
 * so a part URL never verifies as an object PUT or GET, nor the reverse.
 */

/** The query parameters of a part URL, in the order the signer writes them. */
export const partUrlParams = {
  uploadId: "upload-id",
  partNumber: "part",
  expires: "expires",
  keyId: "kid",
  size: "size",
  signature: "sig",
} as const;

const partFormatVersion = "stowage-hmac-part-v1";
const knownPartParams = new Set<string>(Object.values(partUrlParams));
const integerPattern = /^(0|[1-9][0-9]{0,15})$/;
const partNumberPattern = /^[1-9][0-9]{0,8}$/;

/** What a valid part URL allows: one PUT of part `partNumber` of upload `uploadId` of `key`. */
export interface PartUrlClaims {
  key: string;
  uploadId: string;
  partNumber: number;
  keyId: string;
  expiresAt: Date;
  /** The part's exact length, when it was signed. */
  size?: number;
}

export type PartUrlVerification =
  | { ok: true; claims: PartUrlClaims }
  | { ok: false; reason: "signature" | "expired"; message: string };

/** The fields a part URL binds, as the signer writes them. */
export interface PartUrlFields {
  key: string;
  uploadId: string;
  partNumber: number;
  /** Milliseconds since the epoch. */
  expires: number;
  keyId: string;
  size?: number;
}

/**
 * The exact text a part URL's signature covers: the format version, the
 * method, the key, the upload id, the part number, the expiry, the key id
 * and the size (`+n`, or `-` when absent), one per line. No field may hold
 * a line break, so no two different parts share a text.
 */
export function partCanonicalString(fields: PartUrlFields): string {
  return [
    partFormatVersion,
    "PUT",
    fields.key,
    fields.uploadId,
    String(fields.partNumber),
    String(fields.expires),
    fields.keyId,
    fields.size === undefined ? "-" : `+${fields.size}`,
  ].join("\n");
}

/** The query string of a part URL (without `sig`), in canonical order. */
export function partQuery(fields: PartUrlFields): string {
  let query = `${partUrlParams.uploadId}=${encodeURIComponent(fields.uploadId)}`;
  query += `&${partUrlParams.partNumber}=${fields.partNumber}`;
  query += `&${partUrlParams.expires}=${fields.expires}`;
  query += `&${partUrlParams.keyId}=${encodeURIComponent(fields.keyId)}`;
  if (fields.size !== undefined) query += `&${partUrlParams.size}=${fields.size}`;
  return query;
}

/** True when the query is a part URL's (it names an upload), so the handler verifies it as one. */
export function isPartUrl(params: URLSearchParams): boolean {
  return params.has(partUrlParams.uploadId);
}

/**
 * Checks a part URL's signature (in constant time) and expiry. Any unknown,
 * repeated, missing or changed parameter fails as `signature`.
 */
export async function verifyPartUrl(keyring: HmacKeyring, key: string, params: URLSearchParams, now: number): Promise<PartUrlVerification> {
  const bad = (message: string): PartUrlVerification => ({ ok: false, reason: "signature", message });
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (!knownPartParams.has(name)) return bad(`unknown query parameter ${JSON.stringify(name)} in a part URL`);
    if (seen.has(name)) return bad(`query parameter ${JSON.stringify(name)} appears twice`);
    seen.add(name);
  }
  const uploadId = params.get(partUrlParams.uploadId);
  const partNumber = params.get(partUrlParams.partNumber);
  const expires = params.get(partUrlParams.expires);
  const keyId = params.get(partUrlParams.keyId);
  const signature = params.get(partUrlParams.signature);
  const size = params.get(partUrlParams.size);
  if (uploadId === null || partNumber === null || expires === null || keyId === null || signature === null) return bad("the part URL is not signed");
  if (!keyring.has(keyId)) return bad("the URL was signed with an unknown key id");
  if (!partNumberPattern.test(partNumber) || !integerPattern.test(expires) || (size !== null && !integerPattern.test(size))) {
    return bad("the part URL is malformed");
  }
  if (![key, uploadId, keyId].every(isCanonicalValue)) return bad("the URL holds a line break");
  const fields: PartUrlFields = { key, uploadId, partNumber: Number(partNumber), expires: Number(expires), keyId };
  if (size !== null) fields.size = Number(size);
  const expected = await keyring.sign(keyId, partCanonicalString(fields));
  if (!constantTimeEqual(signature, expected)) return bad("the signature does not match");
  const claims: PartUrlClaims = { key, uploadId, partNumber: fields.partNumber, keyId, expiresAt: new Date(fields.expires) };
  if (fields.size !== undefined) claims.size = fields.size;
  if (now >= fields.expires) return { ok: false, reason: "expired", message: `the URL expired at ${claims.expiresAt.toISOString()}` };
  return { ok: true, claims };
}
