import { UploadError, type UploadErrorCode } from "./upload-error.js";
import { classifyAnswer, readJsonEtag, readPostResponseEtag, unquoteEtag } from "./classify-response.js";
import { mediaEssence, readSignedConstraints, type SignedConstraints, type UploadExpectations } from "./signed-constraints.js";

/**
 * A signed upload as the server mints it (`storage.signPut(...)`), after a
 * trip through JSON: `expiresAt` may be a string.
 */
export interface SignedUpload {
  url: string;
  method: "PUT" | "POST" | string;
  /** Exactly the headers to send. */
  headers?: Record<string, string>;
  /** For `method: "POST"`: the form fields, sent in this order before the file field. */
  fields?: Record<string, string>;
  /** When the URL expires; used to tell an expired URL from other refusals. */
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
  /** Aborting cancels the request; the promise rejects with an `UploadError` with code `Aborted` (the signal's reason as `cause`). */
  signal?: AbortSignal;
  /** For `method: "POST"`: the name of the file field. Default `"file"` (what S3 POST policies expect). */
  fileField?: string;
  /** For `method: "POST"`: the file name sent in the form. Default: the File's name, else `"blob"`. */
  fileName?: string;
  /**
   * What the server signed, for constraints the signed request does not
   * show. The client reads the handler's URL (`size`, `max-size`,
   * `content-type`), an S3 POST policy and the signed headers itself; an S3
   * or R2 presigned PUT signs its exact size without showing it, so pass
   * `{ size }` to have a wrong-sized file refused as `TooLarge` or
   * `SizeMismatch` before sending (S3 would answer `SignatureDoesNotMatch`).
   */
  expect?: UploadExpectations;
  /**
   * Check the file's size and type against what was signed before sending,
   * so that a mismatch is the same error on every backend. Default `true`;
   * `false` sends anyway and lets the server answer.
   */
  checkFirst?: boolean;
  /** The XMLHttpRequest constructor. Default: the global one. */
  XMLHttpRequest?: typeof XMLHttpRequest;
}

/** What the storage answered to a successful upload: the same fields on every backend. */
export interface UploadResult {
  status: number;
  /**
   * The stored object's etag, unquoted (as `storage.head()` reports it):
   * from the ETag header (the handler; S3 and R2 PUT, when the bucket's CORS
   * exposes `ETag`), the `<PostResponse>` of an S3 POST (signed with
   * `success_action_status` 201), or the handler's JSON answer. `""` only
   * when the server hid it (a bucket CORS rule that does not expose `ETag`).
   */
  etag: string;
  /** The bytes sent: the file's size. */
  size: number;
  /** The response body as text (often empty). */
  responseText: string;
}

/**
 * Headers a browser computes itself and refuses to let a script set. A
 * signed `content-length` is still honoured: the browser sends the body's
 * real length, which matches when the file is the signed size.
 */
const browserControlledHeaders = new Set(["content-length", "host", "connection", "expect", "transfer-encoding"]);

const corsAdvice =
  "the network failed, or the browser refused the answer because of CORS: for S3 or R2, check that the bucket's CORS rules allow this origin, the method and the signed headers (some servers, such as Ceph RGW, send no CORS headers on a refused presigned PUT, so a refusal looks like this too)";

/**
 * Uploads `file` straight to a signed URL with XMLHttpRequest, which (unlike
 * `fetch`) reports upload progress. It sends exactly the signed headers and
 * no others: a `Blob`'s own type is not added, so sign `contentType` to store
 * one. For `method: "POST"` (an S3 POST policy) it sends a multipart form
 * with the signed `fields` first and the file last.
 *
 * Before sending, it refuses a file that cannot match what was signed (see
 * `checkFirst`). Resolves on a 2xx answer with `{ status, etag, size,
 * responseText }`; rejects with an `UploadError` whose `code` is the same on
 * every backend.
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
      reject(abortedError(signal));
      return;
    }
    const constraints = readSignedConstraints(signed, options.expect);
    if (options.checkFirst !== false) {
      const problem = localProblem(constraints, file);
      if (problem !== undefined) {
        reject(new UploadError(problem.code, `The upload was not sent: ${problem.message}`, { status: 0, checkedLocally: true }));
        return;
      }
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
        reject(abortedError(signal!));
      });
    };
    const expiredNow = (): boolean => constraints.expiresAtMs !== undefined && Date.now() >= constraints.expiresAtMs;
    const noAnswer = (what: string): void => {
      finish(() => {
        if (expiredNow()) {
          reject(new UploadError("Expired", `The upload got no readable answer (${what}) and the URL has expired by this browser's clock: sign a new one`, { status: 0 }));
        } else {
          reject(new UploadError("Network", `The upload got no readable answer (${what}): ${corsAdvice}`, { status: 0 }));
        }
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
      const status = request.status;
      if (status === 0) {
        noAnswer("status 0");
        return;
      }
      finish(() => {
        const responseText = typeof request.responseText === "string" ? request.responseText : "";
        if (status >= 200 && status < 300) {
          report(total, total);
          const etag = request.getResponseHeader("ETag") || readPostResponseEtag(responseText) || readJsonEtag(responseText) || "";
          resolve({ status, etag: unquoteEtag(etag), size: total, responseText });
          return;
        }
        const classified = classifyAnswer(status, responseText, { ifNotExists: constraints.ifNotExists, expired: expiredNow() });
        const server = classified.serverCode === undefined ? "" : ` (${classified.serverCode})`;
        const detail = classified.serverMessage === undefined ? "" : `: ${classified.serverMessage}`;
        const details: { status: number; responseText: string; serverCode?: string } = { status, responseText };
        if (classified.serverCode !== undefined) details.serverCode = classified.serverCode;
        reject(new UploadError(classified.code, `${describeCode(classified.code)}: HTTP ${status}${server}${detail}`, details));
      });
    };
    request.onerror = () => noAnswer("a network error");
    request.ontimeout = () => noAnswer("a timeout");
    signal?.addEventListener("abort", onAbort, { once: true });
    request.send(body);
  });
}

/** What can be known to fail before sending: the file's size and type against what was signed. */
function localProblem(constraints: SignedConstraints, file: Blob): { code: UploadErrorCode; message: string } | undefined {
  const size = file.size;
  const limit = minDefined(constraints.size, constraints.maxSize);
  if (limit !== undefined && size > limit) {
    return { code: "TooLarge", message: `the file is ${size} bytes, more than the ${limit} bytes the URL allows` };
  }
  if (constraints.size !== undefined && size !== constraints.size) {
    return { code: "SizeMismatch", message: `the file is ${size} bytes, but the URL was signed for exactly ${constraints.size}` };
  }
  if (constraints.minSize !== undefined && size < constraints.minSize) {
    return { code: "SizeMismatch", message: `the file is ${size} bytes, fewer than the ${constraints.minSize} bytes the URL requires` };
  }
  if (constraints.contentType !== undefined && file.type !== "" && mediaEssence(file.type) !== mediaEssence(constraints.contentType)) {
    return { code: "ContentTypeMismatch", message: `the file's type is ${file.type}, but the URL was signed for ${constraints.contentType}` };
  }
  return undefined;
}

function describeCode(code: UploadErrorCode): string {
  switch (code) {
    case "TooLarge":
      return "The file is larger than the URL allows";
    case "SizeMismatch":
      return "The file is not the size the URL was signed for";
    case "ContentTypeMismatch":
      return "The file's type is not the type the URL was signed for";
    case "AlreadyExists":
      return "The key already exists and the URL is create-only";
    case "AlreadyUsed":
      return "This one-time URL was already used";
    case "Expired":
      return "The URL has expired: sign a new one";
    case "BadSignature":
      return "The server does not accept the URL's signature (altered, or signed with another secret)";
    case "Unavailable":
      return "The storage failed or is busy; try again later";
    default:
      return "The upload was refused";
  }
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function abortedError(signal: AbortSignal): UploadError {
  const reason = signal.reason ?? new DOMException("The upload was aborted", "AbortError");
  return new UploadError("Aborted", "The upload was aborted", { status: 0, cause: reason });
}
