import { attachmentDisposition, isActiveContentType, type ObjectInfo, type SignedUrlClaims } from "@stowage/core";

/**
 * The Content-Disposition an object is served with:
 * - `downloadFilename` signed: attachment with that name;
 * - `inline` signed: inline (the stored disposition's parameters kept);
 * - an active served type (isActiveContentType): attachment (the stored
 *   disposition's parameters, such as a file name, kept);
 * - otherwise the stored disposition, if any.
 */
export function servedDisposition(claims: SignedUrlClaims, info: ObjectInfo, servedType: string): string | undefined {
  if (claims.downloadFilename !== undefined) return attachmentDisposition(claims.downloadFilename);
  const stored = info.contentDisposition;
  if (claims.inline) return withDispositionType("inline", stored);
  if (isActiveContentType(servedType)) return withDispositionType("attachment", stored);
  return stored;
}

function withDispositionType(type: "inline" | "attachment", stored: string | undefined): string {
  if (stored === undefined) return type;
  const semicolon = stored.indexOf(";");
  return semicolon === -1 ? type : `${type}${stored.slice(semicolon)}`;
}
