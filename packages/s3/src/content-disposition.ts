const rfc5987Reserved = /[!'()*]/g;

function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(rfc5987Reserved, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * A `Content-Disposition: attachment` value for a download file name (RFC
 * 6266): a plain ASCII `filename` fallback, where quotes, backslashes and
 * non-ASCII characters become `_`, and the exact name as `filename*` in
 * UTF-8 (RFC 5987).
 */
export function attachmentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeRfc5987(fileName)}`;
}
