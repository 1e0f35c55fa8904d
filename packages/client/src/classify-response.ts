import type { UploadErrorCode } from "./upload-error.js";

/** What the client knew when the answer came. */
export interface AnswerContext {
  /** The upload was create-only (it sent `If-None-Match: *`, or the handler URL says so). */
  ifNotExists: boolean;
  /** The browser's clock says the URL had expired when the answer came. */
  expired: boolean;
}

export interface Classified {
  code: UploadErrorCode;
  serverCode?: string;
  serverMessage?: string;
}

/** The handler's JSON codes (`@stowage/http`) and S3's XML codes, to `UploadErrorCode`. */
const codeByServerCode: Record<string, UploadErrorCode> = {
  // @stowage/http
  TooLarge: "TooLarge",
  SizeMismatch: "SizeMismatch",
  ContentTypeMismatch: "ContentTypeMismatch",
  UnsafeContentType: "ContentTypeMismatch",
  AlreadyExists: "AlreadyExists",
  AlreadyUsed: "AlreadyUsed",
  Expired: "Expired",
  InvalidSignature: "BadSignature",
  RateLimited: "Unavailable",
  Unavailable: "Unavailable",
  // S3, R2, Ceph RGW
  EntityTooLarge: "TooLarge",
  EntityTooSmall: "SizeMismatch",
  IncompleteBody: "SizeMismatch",
  SignatureDoesNotMatch: "BadSignature",
  InvalidAccessKeyId: "BadSignature",
  ExpiredToken: "Expired",
  SlowDown: "Unavailable",
  ServiceUnavailable: "Unavailable",
  InternalError: "Unavailable",
};

/**
 * Classifies a non-2xx answer. Where the server's code alone is ambiguous
 * it uses what the client knows:
 * - `PreconditionFailed` (412) to a create-only upload is `AlreadyExists`
 *   (S3 and R2 answer a signed `If-None-Match: *` on an existing key so);
 * - `AccessDenied` (403) is `Expired` when its message says so ("Request has
 *   expired" on AWS, "Policy expired" on RGW) or the URL's expiry has
 *   passed by the browser's clock (RGW answers an expired presigned PUT with
 *   an AccessDenied without a message); `ContentTypeMismatch` when a POST
 *   policy's Content-Type condition failed; `TooLarge` for its
 *   content-length-range; else `BadSignature` (RGW answers a tampered POST
 *   policy signature with a bare AccessDenied);
 * - `SignatureDoesNotMatch` after the expiry has passed is `Expired`.
 */
export function classifyAnswer(status: number, responseText: string, context: AnswerContext): Classified {
  const { code: serverCode, message: serverMessage } = readServerError(responseText);
  const result = (code: UploadErrorCode): Classified => {
    const classified: Classified = { code };
    if (serverCode !== undefined) classified.serverCode = serverCode;
    if (serverMessage !== undefined) classified.serverMessage = serverMessage;
    return classified;
  };
  if (serverCode === "PreconditionFailed" || (serverCode === undefined && status === 412)) {
    return result(context.ifNotExists ? "AlreadyExists" : "Unknown");
  }
  if (serverCode === "AccessDenied") {
    const message = serverMessage ?? "";
    if (/expired/i.test(message) || context.expired) return result("Expired");
    if (/condition failed/i.test(message) && /content-type/i.test(message)) return result("ContentTypeMismatch");
    if (/content-length-range|too large|exceeds/i.test(message)) return result("TooLarge");
    return result("BadSignature");
  }
  if (serverCode === "SignatureDoesNotMatch" && context.expired) return result("Expired");
  if (serverCode !== undefined && Object.prototype.hasOwnProperty.call(codeByServerCode, serverCode)) {
    return result(codeByServerCode[serverCode]!);
  }
  if (status === 413) return result("TooLarge");
  if (status === 429 || status >= 500) return result("Unavailable");
  return result("Unknown");
}

/** `error.code` and `error.message` of `{ "error": { "code", "message" } }`, or `<Code>` and `<Message>` of an S3 XML error. */
export function readServerError(text: string): { code?: string; message?: string } {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{")) {
    try {
      const parsed = JSON.parse(trimmed) as { error?: { code?: unknown; message?: unknown } };
      const error = parsed.error;
      if (error === null || typeof error !== "object") return {};
      const result: { code?: string; message?: string } = {};
      if (typeof error.code === "string") result.code = error.code;
      if (typeof error.message === "string" && error.message !== "") result.message = error.message;
      return result;
    } catch {
      return {};
    }
  }
  const result: { code?: string; message?: string } = {};
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  if (code) result.code = unescapeXml(code);
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  if (message) result.message = unescapeXml(message);
  return result;
}

/** The `<ETag>` of an S3 POST's `<PostResponse>` (what `success_action_status` 201 answers). */
export function readPostResponseEtag(text: string): string | undefined {
  if (!/<PostResponse[\s>]/.test(text)) return undefined;
  const etag = /<ETag>([^<]*)<\/ETag>/.exec(text)?.[1];
  return etag ? unescapeXml(etag) : undefined;
}

/** The `etag` of the handler's JSON answer `{ key, size, etag, contentType }`. */
export function readJsonEtag(text: string): string | undefined {
  if (!text.trimStart().startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(text) as { etag?: unknown };
    return typeof parsed.etag === "string" && parsed.etag !== "" ? parsed.etag : undefined;
  } catch {
    return undefined;
  }
}

/** `abc` of `"abc"`, `W/"abc"` or `abc`. */
export function unquoteEtag(etag: string): string {
  let value = etag.trim();
  if (value.startsWith("W/")) value = value.slice(2);
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  return value;
}

function unescapeXml(text: string): string {
  return text.replace(/&(quot|amp|lt|gt|apos|#(\d+)|#x([0-9a-fA-F]+));/g, (whole, name: string, decimal?: string, hex?: string) => {
    if (decimal !== undefined) return String.fromCodePoint(Number(decimal));
    if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16));
    return ({ quot: '"', amp: "&", lt: "<", gt: ">", apos: "'" } as Record<string, string>)[name] ?? whole;
  });
}
