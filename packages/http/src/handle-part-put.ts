import { StorageError, type HmacVerifier, type Storage } from "@stowage/core";
import { errorResponse, storageErrorResponse } from "./error-response.js";
import { limitStream } from "./limit-stream.js";
import { quoteEtag } from "./quote-etag.js";
import { canUploadParts } from "./part-upload-driver.js";

/** What a verified part URL allows. */
export type PartClaims = Extract<Awaited<ReturnType<HmacVerifier["verifyPart"]>>, { ok: true }>["claims"];

const declaredLengthPattern = /^\d{1,16}$/;

/**
 * Handles a verified upload-part PUT: enforces the signed exact length
 * (413 above it, 400 for another declared length; counted while
 * streaming), holds an unsigned part to its declared Content-Length (and
 * passes it to the driver as the part's size), streams the body into the driver's `uploadPart`, and answers
 * 200 with the part's quoted `ETag` (which the client passes back to
 * complete). The content type of a part is ignored: the upload's was fixed
 * at creation. An unknown upload is 404.
 */
export async function handlePartPut(storage: Storage, request: Request, claims: PartClaims): Promise<Response> {
  const driver = storage.driver;
  if (!canUploadParts(driver)) {
    return storageErrorResponse(new StorageError("Unsupported", `The ${driver.name} driver cannot store upload parts sent to signed URLs`));
  }
  const declaredHeader = request.headers.get("content-length");
  const limit = claims.size ?? storage.uploads.limits.maxPartSize;
  // The exact length: the signed one, else the declared one (held to it while streaming), so a driver that
  // must send a length ahead (Azure's Put Block) can stream a part of a maxSize upload instead of buffering it.
  let size = claims.size;
  if (declaredHeader !== null) {
    if (!declaredLengthPattern.test(declaredHeader.trim())) return errorResponse(400, "InvalidRequest", "Content-Length is malformed");
    const declared = Number(declaredHeader.trim());
    if (declared > limit) return errorResponse(413, "TooLarge", `Content-Length ${declared} is larger than the ${limit} bytes this part allows`);
    if (claims.size !== undefined && declared !== claims.size) {
      return errorResponse(400, "SizeMismatch", `Content-Length ${declared} differs from the ${claims.size} bytes the URL requires`);
    }
    size = declared;
  }
  const source = request.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
  const body = limitStream(source, limit, size);
  let part: { etag: string; size: number };
  try {
    part = await driver.uploadPart(claims.key, claims.uploadId, claims.partNumber, body, {
      ...(size !== undefined ? { size } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
  } catch (error) {
    body.cancel(error).catch(() => {});
    return storageErrorResponse(error);
  }
  return new Response(JSON.stringify({ partNumber: claims.partNumber, size: part.size, etag: part.etag }), {
    status: 200,
    headers: { "content-type": "application/json; charset=utf-8", etag: quoteEtag(part.etag), "cache-control": "no-store" },
  });
}
