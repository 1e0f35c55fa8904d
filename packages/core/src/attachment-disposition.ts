const plainFilename = /^[\x20-\x7e]*$/;

/**
 * A `Content-Disposition: attachment` value for a download file name, per
 * RFC 6266. A name that is not plain ASCII (or has `"`, `\` or `%`) also gets
 * `filename*=UTF-8''...` per RFC 5987/8187, with an ASCII fallback in
 * `filename` for old clients. Used by every driver's signed GET.
 */
export function attachmentDisposition(filename: string): string {
  if (plainFilename.test(filename) && !/["\\%]/.test(filename)) return `attachment; filename="${filename}"`;
  const fallback = filename.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^\x20-\x7e]|["\\%]/g, "_");
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeExtendedValue(filename)}`;
}

/** Percent-encodes everything outside RFC 5987's attr-char set. */
function encodeExtendedValue(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}
