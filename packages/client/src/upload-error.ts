/**
 * Why an upload failed, the same on every backend (the `@stowage/http`
 * handler over memory or fs, S3, R2). The server's own code is kept in
 * `UploadError.serverCode`.
 *
 * - `TooLarge`: the file is larger than the URL allows (a signed exact size or `maxSize`).
 * - `SizeMismatch`: the file is smaller than the exact size the URL was signed for.
 * - `ContentTypeMismatch`: the file's type is not the type the URL was signed for
 *   (or the handler refused an unsigned active type).
 * - `AlreadyExists`: a create-only URL (`ifNotExists`) and the key exists.
 * - `AlreadyUsed`: a one-time URL (`oneTime`) was already used.
 * - `Expired`: the URL (or POST policy) has expired.
 * - `BadSignature`: the server does not accept the signature: the URL or
 *   fields were altered, or signed with another secret or key.
 * - `Network`: no readable answer (`status` 0): the network failed, or the
 *   answer was refused by CORS.
 * - `Aborted`: the `signal` aborted the upload.
 * - `Unavailable`: the server failed or is overloaded (5xx, 429); try again later.
 * - `Unknown`: any other refusal; see `status`, `serverCode` and `responseText`.
 */
export type UploadErrorCode =
  | "TooLarge"
  | "SizeMismatch"
  | "ContentTypeMismatch"
  | "AlreadyExists"
  | "AlreadyUsed"
  | "Expired"
  | "BadSignature"
  | "Network"
  | "Aborted"
  | "Unavailable"
  | "Unknown";

/** Every `UploadErrorCode`. */
export const uploadErrorCodes: readonly UploadErrorCode[] = Object.freeze([
  "TooLarge",
  "SizeMismatch",
  "ContentTypeMismatch",
  "AlreadyExists",
  "AlreadyUsed",
  "Expired",
  "BadSignature",
  "Network",
  "Aborted",
  "Unavailable",
  "Unknown",
]);

export interface UploadErrorDetails {
  status: number;
  responseText?: string;
  serverCode?: string;
  /** True when the client refused the upload before sending it. */
  checkedLocally?: boolean;
  cause?: unknown;
}

/** An upload that failed: refused by the server or by a check before sending, aborted, or never answered. */
export class UploadError extends Error {
  /** Why, the same on every backend. */
  readonly code: UploadErrorCode;
  /** The HTTP status; 0 when there was no readable answer (`Network`, `Aborted`, a local check, or `Expired` read from the URL). */
  readonly status: number;
  /** The server's own code: `error.code` of a Stowage JSON error, or `<Code>` of an S3 XML error. */
  readonly serverCode?: string;
  /** The response body as text ("" when there was none). */
  readonly responseText: string;
  /** True when the client refused the upload before sending a byte (`status` 0). */
  readonly checkedLocally: boolean;

  constructor(code: UploadErrorCode, message: string, details: UploadErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "UploadError";
    this.code = code;
    this.status = details.status;
    this.responseText = details.responseText ?? "";
    this.checkedLocally = details.checkedLocally === true;
    if (details.serverCode !== undefined) this.serverCode = details.serverCode;
  }
}
