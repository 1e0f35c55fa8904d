/**
 * An `attachment` Content-Disposition for `filename` (RFC 6266): an ASCII
 * fallback in `filename`, and the exact name in `filename*` (RFC 5987) when
 * it is not plain ASCII.
 */
export function attachmentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  const plain = fallback === filename;
  let value = `attachment; filename="${fallback}"`;
  if (!plain) {
    const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    value += `; filename*=UTF-8''${encoded}`;
  }
  return value;
}
