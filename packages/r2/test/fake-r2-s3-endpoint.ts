import { SigV4Presigner, encodeRfc3986 } from "@stowage/sigv4";

/**
 * A stand-in for R2's S3 endpoint, inside workerd, for native-mode upload
 * sessions: it serves the two requests native mode makes there (a client's
 * UploadPart PUT to a presigned part URL, the Worker's presigned ListParts
 * GET) over the same R2 binding, so parts sent "to R2's S3 API" land in the
 * very upload the binding created, as on R2.
 *
 * Like S3 it checks the query signature (re-derived with the request's own
 * signed headers, so another Content-Length than signed fails), the expiry,
 * and answers `NoSuchUpload` from the binding. The signature is re-derived
 * with @stowage/sigv4, which the Node tests hold byte-identical to the AWS
 * SDK's presigner. Parts are remembered here for ListParts, as R2 does.
 */
export function fakeR2S3Endpoint(options: {
  bucket: R2Bucket;
  bucketName: string;
  accessKeyId: string;
  secretAccessKey: string;
  clock?: () => number;
}): (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> {
  const presigner = new SigV4Presigner({ accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, region: "auto" });
  const parts = new Map<string, Map<number, { etag: string; size: number }>>();
  const clock = options.clock ?? Date.now;

  return async (input, init) => {
    const request = input instanceof Request && init === undefined ? input : new Request(input, init);
    const url = new URL(request.url);
    const bucketPath = `/${encodeRfc3986(options.bucketName)}/`;
    if (!url.pathname.startsWith(bucketPath)) return s3Error(404, "NoSuchBucket");
    const key = decodeURIComponent(url.pathname.slice(bucketPath.length));
    const body = request.method === "PUT" ? new Uint8Array(await request.arrayBuffer()) : new Uint8Array(0);

    const refused = checkSignature(presigner, request.method, url, body.byteLength, clock());
    if (refused !== undefined) return refused;
    const uploadId = url.searchParams.get("uploadId");
    if (uploadId === null) return s3Error(400, "InvalidRequest");
    const upload = options.bucket.resumeMultipartUpload(key, uploadId);

    if (request.method === "PUT") {
      const partNumber = Number(url.searchParams.get("partNumber"));
      try {
        const part = await upload.uploadPart(partNumber, body);
        const held = parts.get(uploadId) ?? new Map();
        held.set(partNumber, { etag: part.etag, size: body.byteLength });
        parts.set(uploadId, held);
        return new Response(null, { status: 200, headers: { etag: `"${part.etag}"` } });
      } catch (error) {
        return /10024/.test(String(error)) ? s3Error(404, "NoSuchUpload") : s3Error(400, "InvalidPart");
      }
    }
    if (request.method === "GET" && url.searchParams.get("x-id") === "ListParts") {
      const held = [...(parts.get(uploadId) ?? new Map<number, { etag: string; size: number }>())].sort((a, b) => a[0] - b[0]);
      const marker = Number(url.searchParams.get("part-number-marker") ?? "0");
      const page = held.filter(([n]) => n > marker).slice(0, 2);
      const truncated = held.filter(([n]) => n > marker).length > page.length;
      // Pages of two parts, so the Worker's paging is exercised too.
      const xml =
        `<?xml version="1.0" encoding="UTF-8"?><ListPartsResult><Key>${escapeXml(key)}</Key><UploadId>${escapeXml(uploadId)}</UploadId>` +
        `<IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextPartNumberMarker>${page[page.length - 1]![0]}</NextPartNumberMarker>` : ""}` +
        page.map(([n, p]) => `<Part><PartNumber>${n}</PartNumber><ETag>&quot;${p.etag}&quot;</ETag><Size>${p.size}</Size></Part>`).join("") +
        `</ListPartsResult>`;
      return new Response(xml, { status: 200, headers: { "content-type": "application/xml" } });
    }
    return s3Error(405, "MethodNotAllowed");
  };
}

/** A 403 unless the query signature is the one these exact request parts give, unexpired. */
function checkSignature(presigner: SigV4Presigner, method: string, url: URL, length: number, now: number): Response | undefined {
  const params = url.searchParams;
  const amzDate = params.get("X-Amz-Date") ?? "";
  const expires = Number(params.get("X-Amz-Expires"));
  const signature = params.get("X-Amz-Signature");
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (match === null || signature === null || !Number.isInteger(expires)) return s3Error(403, "AccessDenied");
  const date = new Date(Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!, +match[4]!, +match[5]!, +match[6]!));
  if (now > date.getTime() + expires * 1000) return s3Error(403, "AccessDenied");
  const signedHeaders = (params.get("X-Amz-SignedHeaders") ?? "").split(";");
  const headers: Record<string, string> = {};
  if (signedHeaders.includes("content-length")) headers["content-length"] = String(length);
  const query: Record<string, string> = {};
  for (const [name, value] of params) if (!name.startsWith("X-Amz-")) query[name] = value;
  const expected = new URL(presigner.presign({ method, url: `${url.origin}${url.pathname}`, date, expiresIn: expires, headers, query }));
  return expected.searchParams.get("X-Amz-Signature") === signature ? undefined : s3Error(403, "SignatureDoesNotMatch");
}

function s3Error(status: number, code: string): Response {
  return new Response(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`, {
    status,
    headers: { "content-type": "application/xml" },
  });
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
