export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}
