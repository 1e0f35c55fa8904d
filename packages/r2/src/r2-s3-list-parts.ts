import { StorageError, throwIfAborted, type DriverOperationOptions, type UploadedPart } from "@stowage/core";

/** Presigns a GET of `key` with these query parameters (signed) against R2's S3 endpoint. */
export type PresignS3Get = (key: string, query: Record<string, string>) => string;

/**
 * An upload's parts from R2's S3 API (ListParts), for native mode: the
 * client PUTs parts straight to R2's S3 endpoint, so only R2 knows them.
 * Each page is a presigned GET (`?uploadId=…&x-id=ListParts`), fetched from
 * the Worker; `IsTruncated` pages on with `part-number-marker`.
 * `NoSuchUpload` (404) is `NotFound`.
 */
export async function listPartsOverS3(
  presign: PresignS3Get,
  fetcher: typeof fetch,
  key: string,
  uploadId: string,
  options: DriverOperationOptions = {},
): Promise<UploadedPart[]> {
  const parts: UploadedPart[] = [];
  let marker: string | undefined;
  for (;;) {
    throwIfAborted(options.signal, "listUploadParts");
    const query: Record<string, string> = { uploadId, "x-id": "ListParts" };
    if (marker !== undefined) query["part-number-marker"] = marker;
    let response: Response;
    try {
      response = await fetcher(presign(key, query), { method: "GET", ...(options.signal === undefined ? {} : { signal: options.signal }) });
    } catch (error) {
      throw new StorageError("Unavailable", `R2 ListParts of ${key} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error, key });
    }
    const text = await response.text();
    if (!response.ok) throw listPartsError(response.status, text, key, uploadId);
    for (const part of elements(text, "Part")) {
      const partNumber = Number(field(part, "PartNumber"));
      const size = Number(field(part, "Size"));
      const etag = unquote(field(part, "ETag") ?? "");
      if (!Number.isSafeInteger(partNumber) || !Number.isSafeInteger(size) || etag === "") {
        throw new StorageError("Unknown", `R2 ListParts of ${key} answered a part without PartNumber, Size or ETag`, { key });
      }
      parts.push({ partNumber, size, etag });
    }
    const next = field(text, "NextPartNumberMarker");
    if (field(text, "IsTruncated") !== "true" || next === undefined || next === marker) break;
    marker = next;
  }
  return parts.sort((a, b) => a.partNumber - b.partNumber);
}

function listPartsError(status: number, body: string, key: string, uploadId: string): StorageError {
  const code = field(body, "Code");
  const message = `R2 ListParts of ${key} failed: ${status} ${code ?? ""} ${field(body, "Message") ?? ""}`.trim();
  if (status === 404 || code === "NoSuchUpload") {
    return new StorageError("NotFound", `No upload ${uploadId} of ${key} is in progress (never created, completed or aborted)`, { key });
  }
  if (status === 403) return new StorageError("PermissionDenied", message, { key });
  if (status === 429 || status === 503) return new StorageError(status === 429 ? "RateLimited" : "Unavailable", message, { key });
  return new StorageError("Unknown", message, { key });
}

/** The inner XML of each `<name>` element of `xml` (S3's ListParts answer has no nesting within Part). */
function elements(xml: string, name: string): string[] {
  const found: string[] = [];
  const pattern = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, "g");
  for (let match = pattern.exec(xml); match !== null; match = pattern.exec(xml)) found.push(match[1]!);
  return found;
}

/** The unescaped text of the first `<name>` element of `xml`. */
function field(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match === null ? undefined : unescapeXml(match[1]!.trim());
}

function unescapeXml(text: string): string {
  return text.replace(/&(quot|amp|lt|gt|apos|#(\d+)|#x([0-9a-fA-F]+));/g, (whole, name: string, decimal?: string, hex?: string) => {
    if (decimal !== undefined) return String.fromCodePoint(Number(decimal));
    if (hex !== undefined) return String.fromCodePoint(Number.parseInt(hex, 16));
    return ({ quot: '"', amp: "&", lt: "<", gt: ">", apos: "'" } as Record<string, string>)[name] ?? whole;
  });
}

function unquote(etag: string): string {
  return etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"') ? etag.slice(1, -1) : etag;
}
