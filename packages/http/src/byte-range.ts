/** A single byte range from a `Range` header, in Stowage's form. */
export type RequestedRange = { offset: number; length?: number } | { suffix: number };

/**
 * Parses `Range: bytes=a-b`, `bytes=a-` or `bytes=-n`. Returns `undefined`
 * for no header, several ranges, another unit or bad syntax: RFC 9110 lets a
 * server ignore such a header and send the whole object.
 */
export function parseRangeHeader(header: string | null): RequestedRange | undefined {
  if (header === null) return undefined;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (match === null) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const suffix = Number(last);
    return Number.isSafeInteger(suffix) && suffix > 0 ? { suffix } : undefined;
  }
  const offset = Number(first);
  if (!Number.isSafeInteger(offset)) return undefined;
  if (last === "") return { offset };
  const end = Number(last);
  if (!Number.isSafeInteger(end) || end < offset) return undefined;
  return { offset, length: end - offset + 1 };
}

/** Splits an `If-None-Match` / `If-Match` list into unquoted etags; `"*"` stays `*`. */
export function parseEtagList(header: string | null): string[] | undefined {
  if (header === null) return undefined;
  const etags: string[] = [];
  for (const part of header.split(",")) {
    let etag = part.trim();
    if (etag === "") continue;
    if (etag.startsWith("W/")) etag = etag.slice(2);
    if (etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"')) etag = etag.slice(1, -1);
    etags.push(etag);
  }
  return etags;
}
