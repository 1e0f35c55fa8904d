import { errorResponse } from "./error-response.js";

/**
 * The largest JSON body the upload routes read. A completion naming 10,000
 * parts with quoted 32-hex etags takes about 600 KB.
 */
export const maxRouteBodyBytes = 1024 * 1024;

/** A refusal: a ready-made 400 (or 413) response. */
export class RouteBodyError extends Error {
  constructor(readonly response: Response) {
    super("invalid route body");
  }
}

/** `400 InvalidArgument` with a message that says how to fix the request. */
export function badRequest(message: string): RouteBodyError {
  return new RouteBodyError(errorResponse(400, "InvalidArgument", message));
}

/**
 * Reads the request's JSON object (at most `maxRouteBodyBytes`). It must be
 * sent as `Content-Type: application/json`: a cross-site form cannot send that
 * type without a CORS preflight, so a page on another origin cannot drive the
 * routes with the user's cookies.
 */
export async function readJsonObject(request: Request, route: string): Promise<Record<string, unknown>> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    throw badRequest(`POST ${route} takes a JSON body: send it with Content-Type: application/json (got ${type === "" ? "none" : type})`);
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxRouteBodyBytes) throw tooLarge();
  const text = await readText(request);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest(`POST ${route} takes a JSON object; the body is not valid JSON`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw badRequest(`POST ${route} takes a JSON object such as { "token": "..." }`);
  return value as Record<string, unknown>;
}

async function readText(request: Request): Promise<string> {
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxRouteBodyBytes) {
      reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw badRequest("The body is not valid UTF-8 JSON");
  }
}

function tooLarge(): RouteBodyError {
  return new RouteBodyError(errorResponse(413, "TooLarge", `An upload route body holds at most ${maxRouteBodyBytes} bytes`));
}

/** A string field, at most `maxLength` characters. */
export function stringField(body: Record<string, unknown>, name: string, hint: string, maxLength = 1024): string {
  const value = body[name];
  if (typeof value !== "string") throw badRequest(`${name} must be a string: ${hint}`);
  if (value.length > maxLength) throw badRequest(`${name} must be at most ${maxLength} characters`);
  return value;
}

/** A whole number from `minimum` up to `Number.MAX_SAFE_INTEGER`. */
export function wholeNumber(value: unknown, name: string, minimum: number, hint: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < minimum) {
    throw badRequest(`${name} must be a whole number of at least ${minimum} (${hint}); got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}
