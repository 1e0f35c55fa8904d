// Shared by the upload-routes tests: a memory storage that signs part URLs,
// the part handler and the routes behind one server, and a client that
// speaks the wire protocol.
import { createHash } from "node:crypto";
import { createStorage, type Storage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { createSignedUrlHandler, createUploadRoutes, type UploadRoutesOptions } from "@stowage/http";

export const secrets = [{ id: "r1", secret: "upload-routes-test-secret-0123456789abcdef" }];
export const mebibyte = 1024 * 1024;

/** Memory storage whose part URLs point at `origin`/__storage. */
export function signedStorage(origin: string): Storage {
  return createStorage(memoryDriver({ signing: { secrets, baseUrl: `${origin}/__storage` } }));
}

/** The part handler at /__storage and the routes at /api/uploads, in one fetch handler. */
export function appHandler(storage: Storage, options: Partial<UploadRoutesOptions> & Pick<UploadRoutesOptions, "authorize">) {
  const files = createSignedUrlHandler(storage, { secrets, basePath: "/__storage" });
  const routes = createUploadRoutes(storage, { secrets, basePath: "/api/uploads", ...options });
  return (request: Request) => (new URL(request.url).pathname.startsWith("/__storage/") ? files(request) : routes(request));
}

/** POSTs JSON to a route; `fetcher` defaults to fetch with a timeout. */
export async function post(
  base: string,
  action: string,
  body: unknown,
  fetcher: (request: Request) => Promise<Response> = (request) => fetch(request, { signal: AbortSignal.timeout(10_000) }),
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetcher(new Request(`${base}/api/uploads/${action}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) }));
}

export async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const { error } = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, ...error };
}

export function digest(bytes: Uint8Array | ArrayBuffer): string {
  return createHash("sha256").update(new Uint8Array(bytes)).digest("hex");
}

/** Deterministic bytes, so a wrong part order changes the digest. */
export function patterned(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = (index * 31 + (index >>> 13)) & 0xff;
  return bytes;
}

export interface CreateAnswer {
  token: string;
  key: string;
  partSize: number;
  partCount: number;
  expiresAt: string;
}

export interface SignedPart {
  partNumber: number;
  url: string;
  method: string;
  headers: Record<string, string>;
  expiresAt: string;
}

/**
 * Uploads `bytes` through the routes: create, sign all parts, PUT them in
 * reverse order, complete. Returns each step's answer for the test to check.
 * `rewrite` maps a part URL to where the part handler really listens.
 */
export async function uploadThrough(
  base: string,
  bytes: Uint8Array,
  fetcher?: (request: Request) => Promise<Response>,
  headers: Record<string, string> = {},
) {
  const send = fetcher ?? ((request: Request) => fetch(request, { signal: AbortSignal.timeout(10_000) }));
  const created = await post(base, "create", { filename: "clip.mp4", contentType: "video/mp4", size: bytes.byteLength }, send, headers);
  if (created.status !== 200) throw new Error(`create answered ${created.status}: ${await created.text()}`);
  const session = (await created.json()) as CreateAnswer;
  const numbers = Array.from({ length: session.partCount }, (_, index) => index + 1);
  const signed = await post(base, "sign", { token: session.token, partNumbers: [...numbers].reverse() }, send, headers);
  if (signed.status !== 200) throw new Error(`sign answered ${signed.status}: ${await signed.text()}`);
  const { parts } = (await signed.json()) as { parts: SignedPart[] };
  const etags = new Map<number, string>();
  for (const part of parts) {
    const start = (part.partNumber - 1) * session.partSize;
    const body = bytes.slice(start, Math.min(bytes.byteLength, start + session.partSize));
    const put = await send(new Request(part.url, { method: part.method, headers: part.headers, body }));
    if (put.status !== 200) throw new Error(`part ${part.partNumber} answered ${put.status}: ${await put.text()}`);
    etags.set(part.partNumber, put.headers.get("etag")!);
  }
  const completed = await post(base, "complete", { token: session.token, parts: numbers.map((partNumber) => ({ partNumber, etag: etags.get(partNumber)! })) }, send, headers);
  return { session, parts, completed };
}
