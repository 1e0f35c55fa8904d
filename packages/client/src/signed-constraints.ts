/** What the client can read of a signed upload's constraints, before sending it. */
export interface SignedConstraints {
  /** The exact size signed (handler `size`, or a `content-length` header). */
  size?: number;
  /** The largest size allowed (handler `max-size`, POST policy `content-length-range`). */
  maxSize?: number;
  /** The smallest size allowed (POST policy `content-length-range`). */
  minSize?: number;
  /** The Content-Type the upload must carry. */
  contentType?: string;
  /** When the URL or policy expires, in milliseconds since the epoch. */
  expiresAtMs?: number;
  /** The upload is create-only (`If-None-Match: *` or the handler's `if-not-exists`). */
  ifNotExists: boolean;
}

/** What the app says it signed (for constraints a URL does not show, such as an S3 PUT's signed size). */
export interface UploadExpectations {
  size?: number;
  maxSize?: number;
  contentType?: string;
}

interface SignedLike {
  url: string;
  headers?: Record<string, string>;
  fields?: Record<string, string>;
  expiresAt?: Date | string;
}

/**
 * Reads the constraints from the signed request itself: the headers, the
 * handler's signed query (`size`, `max-size`, `content-type`, `expires`,
 * `if-not-exists`), SigV4's `X-Amz-Date` + `X-Amz-Expires`, and an S3 POST
 * policy (base64 JSON in the `Policy` field). `expect` adds what the app knows.
 */
export function readSignedConstraints(signed: SignedLike, expect: UploadExpectations | undefined): SignedConstraints {
  const result: SignedConstraints = { ifNotExists: false };
  for (const [name, value] of Object.entries(signed.headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === "content-type") result.contentType = value;
    else if (lower === "if-none-match" && value.trim() === "*") result.ifNotExists = true;
    else if (lower === "content-length" && /^\d+$/.test(value.trim())) result.size = Number(value.trim());
  }

  let url: URL | undefined;
  try {
    url = new URL(signed.url, typeof location === "object" && location !== null ? location.href : undefined);
  } catch {
    url = undefined;
  }
  if (url !== undefined) {
    const query = url.searchParams;
    if (query.has("sig") && query.has("expires")) {
      // A URL signed by createHmacSigner (served by @stowage/http).
      const size = integer(query.get("size"));
      if (size !== undefined) result.size = size;
      const maxSize = integer(query.get("max-size"));
      if (maxSize !== undefined) result.maxSize = maxSize;
      const type = query.get("content-type");
      if (type !== null) result.contentType = type;
      const expires = integer(query.get("expires"));
      if (expires !== undefined) result.expiresAtMs = expires;
      if (query.get("if-not-exists") === "1") result.ifNotExists = true;
    } else {
      const date = query.get("X-Amz-Date");
      const expires = integer(query.get("X-Amz-Expires"));
      const signedAt = date === null ? undefined : amzDateMs(date);
      if (signedAt !== undefined && expires !== undefined) result.expiresAtMs = signedAt + expires * 1000;
    }
  }

  const fields = signed.fields ?? {};
  for (const [name, value] of Object.entries(fields)) {
    const lower = name.toLowerCase();
    if (lower === "content-type") result.contentType = value;
    else if (lower === "policy") readPolicy(value, result);
  }

  if (signed.expiresAt !== undefined) {
    const ms = new Date(signed.expiresAt).getTime();
    if (Number.isFinite(ms)) result.expiresAtMs = ms;
  }
  if (expect !== undefined && expect !== null) {
    if (typeof expect.size === "number") result.size = expect.size;
    if (typeof expect.maxSize === "number") result.maxSize = expect.maxSize;
    if (typeof expect.contentType === "string") result.contentType = expect.contentType;
  }
  return result;
}

function readPolicy(encoded: string, result: SignedConstraints): void {
  let policy: { expiration?: unknown; conditions?: unknown };
  try {
    const binary = atob(encoded);
    const bytes = Uint8Array.from(binary, (character) => character.charCodeAt(0));
    policy = JSON.parse(new TextDecoder().decode(bytes)) as typeof policy;
  } catch {
    return;
  }
  if (typeof policy.expiration === "string") {
    const ms = Date.parse(policy.expiration);
    if (Number.isFinite(ms)) result.expiresAtMs = ms;
  }
  if (!Array.isArray(policy.conditions)) return;
  for (const condition of policy.conditions) {
    if (Array.isArray(condition)) {
      const [operator, name, value] = condition as unknown[];
      if (operator === "content-length-range" && typeof name === "number" && typeof value === "number") {
        result.minSize = name;
        result.maxSize = value;
      } else if (operator === "eq" && typeof name === "string" && name.toLowerCase() === "$content-type" && typeof value === "string") {
        result.contentType = value;
      }
    } else if (condition !== null && typeof condition === "object") {
      for (const [name, value] of Object.entries(condition as Record<string, unknown>)) {
        if (name.toLowerCase() === "content-type" && typeof value === "string") result.contentType = value;
      }
    }
  }
}

function integer(value: string | null): number | undefined {
  if (value === null || !/^\d{1,16}$/.test(value)) return undefined;
  return Number(value);
}

/** `20261122T100000Z` in milliseconds. */
function amzDateMs(value: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
}

/** `image/png` of `Image/PNG; charset=x`. */
export function mediaEssence(value: string): string {
  return value.split(";")[0]!.trim().toLowerCase();
}
