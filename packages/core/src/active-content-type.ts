/**
 * Media types a browser only ever shows passively (pixels, sound, plain
 * text), never as a document that can run script or load other resources.
 * Served with `X-Content-Type-Options: nosniff` they stay passive. The list
 * is small on purpose: anything not on it is treated as active.
 */
const passiveTypes: ReadonlySet<string> = new Set([
  "image/png",
  "image/apng",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
  "image/bmp",
  "image/x-icon",
  "image/vnd.microsoft.icon",
  "audio/mpeg",
  "audio/mp4",
  "audio/aac",
  "audio/ogg",
  "audio/opus",
  "audio/wav",
  "audio/webm",
  "audio/flac",
  "video/mp4",
  "video/webm",
  "video/ogg",
  "text/plain",
  "text/csv",
  "application/json",
]);

/**
 * True when a browser could treat a response of this Content-Type as an
 * active document: HTML, XHTML, SVG, XML of any flavour, JavaScript, PDF,
 * `application/octet-stream`, anything unknown, and anything malformed or
 * absent. Such objects are served as attachments unless the signer opted in
 * to `inline`.
 *
 * The check is on the essence (`type/subtype`, case-insensitive, parameters
 * ignored). A value with a comma is active: browsers read a comma-separated
 * Content-Type as a list and take the last valid type in it.
 */
export function isActiveContentType(contentType: string | null | undefined): boolean {
  if (typeof contentType !== "string") return true;
  const value = contentType.toLowerCase();
  if (value.includes(",")) return true;
  const semicolon = value.indexOf(";");
  const essence = (semicolon === -1 ? value : value.slice(0, semicolon)).trim();
  return !passiveTypes.has(essence);
}
