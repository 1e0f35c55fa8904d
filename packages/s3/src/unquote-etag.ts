/** An S3 ETag without its quotes (and without a weak `W/` prefix); `""` when absent. */
export function unquoteEtag(etag: string | undefined): string {
  if (etag === undefined) return "";
  return etag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}
