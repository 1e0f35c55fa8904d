/**
 * A signed upload as the server mints it (`storage.signPut(...)`), after a
 * trip through JSON: `expiresAt` may be a string, and is not needed here.
 */
export interface SignedUpload {
  url: string;
  method: "PUT" | "POST" | string;
  /** Exactly the headers to send. */
  headers?: Record<string, string>;
  /** For `method: "POST"`: the form fields, sent in this order before the file field. */
  fields?: Record<string, string>;
  expiresAt?: Date | string;
}

/** How far an upload has got, in bytes of the request body. */
export interface UploadProgress {
  loaded: number;
  total: number;
  /** `loaded / total`, from 0 to 1 (1 for an empty file). */
  fraction: number;
}

export interface UploadOptions {
  /** Called as the body goes out, and once with `loaded === total` when the upload succeeded. */
  onProgress?: (progress: UploadProgress) => void;
  /** Aborting cancels the request; the promise rejects with the signal's reason (an `AbortError` by default). */
  signal?: AbortSignal;
  /** For `method: "POST"`: the name of the file field. Default `"file"` (what S3 POST policies expect). */
  fileField?: string;
  /** For `method: "POST"`: the file name sent in the form. Default: the File's name, else `"blob"`. */
  fileName?: string;
  /** The XMLHttpRequest constructor. Default: the global one. */
  XMLHttpRequest?: typeof XMLHttpRequest;
}

/** What the storage answered to a successful upload. */
export interface UploadResult {
  status: number;
  /** The ETag response header, when the server exposes it (CORS `Access-Control-Expose-Headers`). */
  etag?: string;
  /** The response body as text (often empty). */
  responseText: string;
}

/** An upload the storage refused, or that never reached it (`status` 0). */
export class UploadError extends Error {
  /** The HTTP status, or 0 for a network error (including a CORS refusal). */
  readonly status: number;
  /** The error code from the response: `error.code` of a Stowage JSON error, or `<Code>` of an S3 XML error. */
  readonly code?: string;
  readonly responseText: string;

  constructor(message: string, status: number, responseText: string, code?: string) {
    super(message);
    this.name = "UploadError";
    this.status = status;
    this.responseText = responseText;
    if (code !== undefined) this.code = code;
  }
}

/**
 * Headers a browser computes itself and refuses to let a script set. A
 * signed `content-length` is still honoured: the browser sends the body's
 * real length, which matches when the file is the signed size.
 */
const browserControlledHeaders = new Set(["content-length", "host", "connection", "expect", "transfer-encoding"]);

/**
 * Uploads `file` straight to a signed URL with XMLHttpRequest, which (unlike
 * `fetch`) reports upload progress. It sends exactly the signed headers and
 * no others: a `Blob`'s own type is not added, so sign `contentType` to store
 * one. For `method: "POST"` (an S3 POST policy) it sends a multipart form
 * with the signed `fields` first and the file last.
 *
 * Resolves on a 2xx answer; rejects with an `UploadError` otherwise, or with
 * the signal's reason when aborted.
 */
export function uploadToSignedUrl(signed: SignedUpload, file: Blob, options: UploadOptions = {}): Promise<UploadResult> {
  return new Promise<UploadResult>((resolve, reject) => {
    const Request = options.XMLHttpRequest ?? globalThis.XMLHttpRequest;
    if (typeof Request !== "function") {
      reject(new TypeError("uploadToSignedUrl needs XMLHttpRequest (a browser, or pass options.XMLHttpRequest)"));
      return;
    }
    if (signed === null || typeof signed !== "object" || typeof signed.url !== "string") {
      reject(new TypeError("uploadToSignedUrl needs a signed request { url, method, headers }"));
      return;
    }
    const method = String(signed.method).toUpperCase();
    if (method !== "PUT" && method !== "POST") {
      reject(new TypeError(`uploadToSignedUrl uploads with PUT or POST, not ${JSON.stringify(signed.method)}`));
      return;
    }
    if (!(file instanceof Blob)) {
      reject(new TypeError("uploadToSignedUrl needs a Blob or File"));
      return;
    }
    const { signal, onProgress } = options;
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }

    const headers = signed.headers ?? {};
    let body: Blob | FormData;
    if (method === "POST") {
      const form = new FormData();
      for (const [name, value] of Object.entries(signed.fields ?? {})) form.append(name, value);
      const fileName = options.fileName ?? (typeof (file as File).name === "string" ? (file as File).name : "blob");
      form.append(options.fileField ?? "file", file, fileName);
      body = form;
    } else {
      // A typeless copy (no bytes are copied), so the browser adds no Content-Type of its own.
      body = file.type === "" ? file : file.slice(0, file.size, "");
    }
    const total = file.size;

    const request = new Request();
    let settled = false;
    let lastLoaded = -1;
    const report = (loaded: number, size: number): void => {
      if (onProgress === undefined || loaded === lastLoaded) return;
      lastLoaded = loaded;
      try {
        onProgress({ loaded, total: size, fraction: size === 0 ? 1 : Math.min(1, loaded / size) });
      } catch {
        // A failing progress callback must not break the upload.
      }
    };
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      action();
    };
    const onAbort = (): void => {
      finish(() => {
        request.abort();
        reject(abortReason(signal!));
      });
    };

    request.open(method, signed.url, true);
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      if (browserControlledHeaders.has(lower)) continue;
      if (method === "POST" && lower === "content-type") continue; // the form sets its own boundary
      request.setRequestHeader(name, value);
    }
    request.upload.onprogress = (event: ProgressEvent) => {
      const size = event.lengthComputable && method === "PUT" ? event.total : total;
      // For a form, the request is larger than the file: scale to the file's bytes.
      const loaded = method === "POST" && event.lengthComputable && event.total > 0 ? Math.round((event.loaded / event.total) * total) : event.loaded;
      report(Math.min(loaded, size), size);
    };
    request.onload = () => {
      finish(() => {
        const status = request.status;
        const responseText = typeof request.responseText === "string" ? request.responseText : "";
        if (status >= 200 && status < 300) {
          report(total, total);
          const result: UploadResult = { status, responseText };
          const etag = request.getResponseHeader("ETag");
          if (etag) result.etag = etag;
          resolve(result);
        } else {
          const code = errorCode(responseText);
          const detail = errorMessage(responseText);
          reject(new UploadError(`The upload was refused with HTTP ${status}${code ? ` (${code})` : ""}${detail ? `: ${detail}` : ""}`, status, responseText, code));
        }
      });
    };
    request.onerror = () => {
      finish(() => reject(new UploadError("The upload failed: network error (or a CORS refusal)", 0, "")));
    };
    request.ontimeout = () => {
      finish(() => reject(new UploadError("The upload timed out", 0, "")));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    request.send(body);
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The upload was aborted", "AbortError");
}

/** `error.code` of `{ "error": { "code", "message" } }`, or `<Code>` of an S3 XML error. */
function errorCode(text: string): string | undefined {
  const json = parseJsonError(text);
  if (json?.code !== undefined) return json.code;
  const xml = /<Code>([^<]*)<\/Code>/.exec(text);
  return xml?.[1] || undefined;
}

function errorMessage(text: string): string | undefined {
  const json = parseJsonError(text);
  if (json?.message !== undefined) return json.message;
  const xml = /<Message>([^<]*)<\/Message>/.exec(text);
  return xml?.[1] || undefined;
}

function parseJsonError(text: string): { code?: string; message?: string } | undefined {
  if (!text.startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const error = parsed.error;
    if (error === null || typeof error !== "object") return undefined;
    const result: { code?: string; message?: string } = {};
    if (typeof error.code === "string") result.code = error.code;
    if (typeof error.message === "string") result.message = error.message;
    return result;
  } catch {
    return undefined;
  }
}
