import { isStorageError, type ObjectInfo, type SignedUrlClaims, type Storage } from "@stowage/core";
import { parseEtagList, parseRangeHeader } from "./byte-range.js";
import { errorResponse } from "./error-response.js";
import { quoteEtag } from "./quote-etag.js";
import { servedDisposition } from "./served-disposition.js";

/** Handles a verified GET or HEAD: the object with its headers, ranges and conditional answers. */
export async function handleRead(storage: Storage, request: Request, claims: SignedUrlClaims, headOnly: boolean): Promise<Response> {
  const ifNoneMatch = parseEtagList(request.headers.get("if-none-match"));
  const ifMatch = parseEtagList(request.headers.get("if-match"));
  const range = headOnly || !storage.capabilities.rangeRead ? undefined : parseRangeHeader(request.headers.get("range"));

  if (headOnly || ifNoneMatch !== undefined || ifMatch !== undefined) {
    const info = await storage.head(claims.key);
    if (info === null) return errorResponse(404, "NotFound", `${claims.key} does not exist`);
    if (ifMatch !== undefined && !etagListMatches(ifMatch, info.etag)) {
      return errorResponse(412, "PreconditionFailed", "If-Match does not match the current ETag");
    }
    if (ifNoneMatch !== undefined && etagListMatches(ifNoneMatch, info.etag)) {
      return new Response(null, { status: 304, headers: { etag: quoteEtag(info.etag), "last-modified": info.lastModified.toUTCString() } });
    }
    if (headOnly) return new Response(null, { status: 200, headers: objectHeaders(storage, info, claims, info.size) });
  }

  let object;
  try {
    object = await storage.get(claims.key, range === undefined ? {} : { range });
  } catch (error) {
    if (isStorageError(error) && error.code === "RangeNotSatisfiable") {
      const info = await storage.head(claims.key);
      if (info === null) return errorResponse(404, "NotFound", `${claims.key} does not exist`);
      return errorResponse(416, "RangeNotSatisfiable", error.message, { "content-range": `bytes */${info.size}` });
    }
    throw error;
  }
  if (object === null) return errorResponse(404, "NotFound", `${claims.key} does not exist`);
  const headers = objectHeaders(storage, object, claims, object.range?.length ?? object.size);
  if (object.range !== undefined) {
    const { offset, length } = object.range;
    headers["content-range"] = `bytes ${offset}-${offset + length - 1}/${object.size}`;
    return new Response(object.body, { status: 206, headers });
  }
  return new Response(object.body, { status: 200, headers });
}

function objectHeaders(storage: Storage, info: ObjectInfo, claims: SignedUrlClaims, length: number): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": claims.responseContentType ?? info.contentType,
    "content-length": String(length),
    etag: quoteEtag(info.etag),
    "last-modified": info.lastModified.toUTCString(),
    "x-content-type-options": "nosniff",
  };
  if (storage.capabilities.rangeRead) headers["accept-ranges"] = "bytes";
  if (info.cacheControl !== undefined) headers["cache-control"] = info.cacheControl;
  if (info.contentEncoding !== undefined) headers["content-encoding"] = info.contentEncoding;
  const disposition = servedDisposition(claims, info, headers["content-type"]!);
  if (disposition !== undefined) headers["content-disposition"] = disposition;
  return headers;
}

function etagListMatches(list: readonly string[], etag: string): boolean {
  return list.some((candidate) => candidate === "*" || candidate === etag);
}
