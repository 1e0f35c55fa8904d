import { isActiveContentType, type ObjectInfo, type SignedUrlClaims, type Storage } from "@stowage/core";
import type { NonceStore } from "./nonce-store.js";
import { errorResponse, storageErrorResponse } from "./error-response.js";
import { limitStream } from "./limit-stream.js";
import { quoteEtag } from "./quote-etag.js";

const declaredLengthPattern = /^\d{1,16}$/;

/** Handles a verified PUT: streams the body into `storage.put`, enforcing the signed constraints. */
export async function handlePut(storage: Storage, nonceStore: NonceStore, request: Request, claims: SignedUrlClaims): Promise<Response> {
  const sentType = request.headers.get("content-type");
  let contentType: string;
  if (claims.contentType !== undefined) {
    if (sentType === null || !sameMediaType(sentType, claims.contentType)) {
      return errorResponse(
        403,
        "ContentTypeMismatch",
        `The URL requires Content-Type ${claims.contentType} (got ${sentType === null ? "none" : sentType})`,
      );
    }
    contentType = claims.contentType;
  } else {
    // The uploader chose the type: only a passive one (isActiveContentType)
    // or application/octet-stream. An active type such as text/html or
    // image/svg+xml must be signed, so the app decided it.
    contentType = sentType === null || sentType.trim() === "" ? "application/octet-stream" : sentType.trim();
    if (isActiveContentType(contentType) && mediaEssence(contentType) !== "application/octet-stream") {
      return errorResponse(
        415,
        "UnsafeContentType",
        `Content-Type ${contentType} could run script when served; send a passive type (image/png, text/plain, ...) or application/octet-stream, or sign the contentType`,
      );
    }
  }

  const declaredHeader = request.headers.get("content-length");
  let declared: number | undefined;
  if (declaredHeader !== null) {
    if (!declaredLengthPattern.test(declaredHeader.trim())) return errorResponse(400, "InvalidRequest", "Content-Length is malformed");
    declared = Number(declaredHeader.trim());
  }
  const limit = minDefined(claims.maxSize, claims.size);
  if (declared !== undefined) {
    if (limit !== undefined && declared > limit) {
      return errorResponse(413, "TooLarge", `Content-Length ${declared} is larger than the ${limit} bytes the URL allows`);
    }
    if (claims.size !== undefined && declared !== claims.size) {
      return errorResponse(400, "SizeMismatch", `Content-Length ${declared} differs from the ${claims.size} bytes the URL requires`);
    }
  }

  if (claims.ifNotExists && (await storage.head(claims.key)) !== null) {
    return errorResponse(409, "AlreadyExists", `${claims.key} already exists`);
  }
  if (claims.nonce !== undefined && !(await nonceStore.consume(claims.nonce, claims.expiresAt))) {
    return errorResponse(403, "AlreadyUsed", "This one-time URL was already used");
  }

  const source = request.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
  const body = limit === undefined ? source : limitStream(source, limit, claims.size);
  let info: ObjectInfo;
  try {
    info = await storage.put(claims.key, body, {
      contentType,
      ...(claims.size !== undefined ? { size: claims.size } : {}),
      ...(claims.ifNotExists ? { ifNotExists: true } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
  } catch (error) {
    body.cancel(error).catch(() => {});
    return storageErrorResponse(error);
  }
  return new Response(JSON.stringify({ key: info.key, size: info.size, etag: info.etag, contentType: info.contentType }), {
    status: 200,
    headers: { "content-type": "application/json; charset=utf-8", etag: quoteEtag(info.etag), "cache-control": "no-store" },
  });
}

/** `type/subtype`, lower case, without parameters. */
function mediaEssence(contentType: string): string {
  const semicolon = contentType.indexOf(";");
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/** Media types compare case-insensitively, ignoring spaces around `;`. */
function sameMediaType(sent: string, signed: string): boolean {
  const normalize = (value: string) =>
    value
      .split(";")
      .map((part) => part.trim())
      .join(";")
      .toLowerCase();
  return normalize(sent) === normalize(signed);
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
