import type { ListOptions, ListPage, ObjectInfo, SignedRequest, Storage } from "@stowage/core";
import type { CaseContext } from "./conformance-case.js";
import { assertBytesEqual, assertDeepEqual, assertEqual, assertTrue, fail } from "./assert.js";

// Small web-standard helpers shared by the cases (no Node imports: the cases
// also run inside workerd and browsers).

const encoder = new TextEncoder();

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/** `length` deterministic pseudo-random bytes (cheap; not for secrets). */
export function patternBytes(length: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[index] = state & 0xff;
  }
  return out;
}

/** Lowercase hex SHA-256 through `crypto.subtle`. */
export async function sha256Of(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let hex = "";
  for (const byte of digest) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

export interface StreamPlan {
  /** After these chunks, the stream errors (with `error`) instead of ending. */
  errorAfter?: boolean;
  error?: unknown;
  /** After these chunks, the stream neither ends nor errors until cancelled. */
  hang?: boolean;
  /** Called when a chunk is pulled (index of the chunk). */
  onPull?: (index: number) => void;
}

/** A pull stream yielding `chunks` one by one, then ending, erroring or hanging. */
export function streamOf(chunks: Uint8Array[], plan: StreamPlan = {}): ReadableStream<Uint8Array> {
  let index = 0;
  let wake: (() => void) | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (index < chunks.length) {
          plan.onPull?.(index);
          // Copy, so a driver that keeps a chunk cannot alias the caller's data.
          controller.enqueue(chunks[index++]!.slice());
          return;
        }
        if (plan.errorAfter) {
          controller.error(plan.error ?? new Error("conformance: the body stream failed on purpose"));
          return;
        }
        if (plan.hang) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          return;
        }
        controller.close();
      },
      cancel() {
        wake?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/** Splits `bytes` into chunks of `size`. */
export function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.byteLength; offset += size) out.push(bytes.subarray(offset, offset + size));
  return out;
}

/** Reads a whole stream. */
export async function drain(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    assertTrue(value instanceof Uint8Array, "a body stream yields Uint8Array chunks");
    parts.push(value);
    total += value.byteLength;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** Checks that `key` holds exactly `expected` (via get). */
export async function assertStored(storage: Storage, key: string, expected: Uint8Array, message: string): Promise<void> {
  const object = await storage.get(key);
  if (object === null) fail(`${message}: ${key} is missing`);
  assertEqual(object.size, expected.byteLength, `${message}: size`);
  assertBytesEqual(await object.bytes(), expected, `${message}: body`);
}

/** Checks that `key` does not exist (get and head). */
export async function assertAbsent(storage: Storage, key: string, message: string): Promise<void> {
  assertEqual(await storage.head(key), null, `${message}: head finds nothing`);
  const object = await storage.get(key);
  if (object !== null) fail(`${message}: get found an object of ${object.size} bytes`);
}

/** Every key under the case's prefix, in listing order (following cursors). */
export async function listKeys(context: CaseContext, subPrefix = ""): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of context.storage.listAll({ prefix: context.prefix + subPrefix })) keys.push(info.key);
  return keys;
}

/** Checks that the fixture reports no temporary or partial files, when it can tell. */
export async function assertNoLeftovers(context: CaseContext, message: string): Promise<void> {
  if (context.fixture.leftovers === undefined) return;
  const leftovers = await context.fixture.leftovers();
  assertDeepEqual(leftovers, [], `${message}: leftovers`);
}

export interface CollectedListing {
  objects: ObjectInfo[];
  prefixes: string[];
  /** Every entry (object keys and prefixes) in page order. */
  entries: string[];
  pages: ListPage[];
}

/**
 * Follows cursors from the first page to the last. Fails when a page breaks
 * the limit or when there are more pages than entries could fill (a cursor
 * that never advances).
 */
export async function collectListing(
  storage: Storage,
  options: Omit<ListOptions, "cursor">,
  maxPages = 10_000,
): Promise<CollectedListing> {
  const collected: CollectedListing = { objects: [], prefixes: [], entries: [], pages: [] };
  let cursor: string | undefined;
  do {
    if (collected.pages.length >= maxPages) fail(`listing did not end after ${maxPages} pages (does the cursor advance?)`);
    const page = await storage.list(cursor === undefined ? options : { ...options, cursor });
    const count = page.objects.length + page.prefixes.length;
    if (options.limit !== undefined) assertTrue(count <= options.limit, `a page holds at most ${options.limit} entries (got ${count})`);
    if (page.cursor !== undefined) assertTrue(count > 0, "a page with a cursor is not empty");
    collected.pages.push(page);
    collected.objects.push(...page.objects);
    collected.prefixes.push(...page.prefixes);
    collected.entries.push(...mergeEntries(page));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return collected;
}

/** A page's object keys and prefixes merged in UTF-8 order. */
export function mergeEntries(page: ListPage): string[] {
  return [...page.objects.map((object) => object.key), ...page.prefixes].sort(compareCodePoints);
}

/** UTF-8 byte order (= code point order), written out independently of core. */
export function compareCodePoints(a: string, b: string): number {
  const left = Array.from(a, (char) => char.codePointAt(0)!);
  const right = Array.from(b, (char) => char.codePointAt(0)!);
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    if (left[index] !== right[index]) return left[index]! - right[index]!;
  }
  return left.length - right.length;
}

/** Runs `tasks` with at most `limit` in flight. */
export async function inBatches<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A key made of `prefix` and filler characters, exactly `bytes` bytes of UTF-8 long. */
export function keyOfBytes(prefix: string, bytes: number): string {
  const used = utf8(prefix).byteLength;
  const remaining = bytes - used;
  if (remaining < 4) fail(`the case prefix is too long to build a ${bytes}-byte key`);
  // Mix 1-, 2-, 3- and 4-byte characters, then pad with ASCII.
  const mixed = "aé漢😀";
  const mixedBytes = 1 + 2 + 3 + 4;
  let key = prefix;
  let left = remaining;
  while (left >= mixedBytes + 1) {
    key += mixed;
    left -= mixedBytes;
  }
  return key + "x".repeat(left);
}

// Signed URL helpers for the signing cases (signing-cases.ts, signing-upload-cases.ts,
// signing-download-cases.ts): an unauthenticated client sending what a signed request says.

const textEncoder = new TextEncoder();

export interface SendOptions {
  /** Replaces the signed URL. */
  url?: string;
  /** Replaces the signed method. */
  method?: string;
  /** Content-Type to send instead of the signed one; `null` sends none. */
  contentType?: string | null;
  /** Form fields to send instead of the signed ones (POST). */
  fields?: Record<string, string>;
  /** Send the body as a stream without a declared length, in chunks of this many bytes. */
  chunkSize?: number;
  headers?: Record<string, string>;
}

/** Sends an upload the way a browser would, as the signed request says. */
export async function send(context: CaseContext, signed: SignedRequest, body: Uint8Array | null, options: SendOptions = {}): Promise<Response> {
  const method = options.method ?? signed.method;
  const headers = new Headers(signed.headers);
  for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
  const fields = { ...(options.fields ?? signed.fields ?? {}) };
  const isForm = method === "POST" && signed.fields !== undefined;
  if (options.contentType !== undefined) {
    const field = Object.keys(fields).find((name) => name.toLowerCase() === "content-type");
    if (isForm) {
      if (field !== undefined) delete fields[field];
      if (options.contentType !== null) fields[field ?? "Content-Type"] = options.contentType;
    } else if (options.contentType === null) {
      headers.delete("content-type");
    } else {
      headers.set("content-type", options.contentType);
    }
  }
  const init: RequestInit & { duplex?: "half" } = { method, headers };
  if (body !== null && method !== "GET" && method !== "HEAD") {
    if (isForm) {
      const boundary = `----stowage-conformance-${Math.random().toString(36).slice(2)}`;
      headers.set("content-type", `multipart/form-data; boundary=${boundary}`);
      const fileType = fields["Content-Type"] ?? fields["content-type"] ?? "application/octet-stream";
      const parts = multipartParts(boundary, fields, fileType);
      const pieces = [parts.head, body, parts.tail];
      init.body = (options.chunkSize === undefined ? concat(pieces) : chunkedStream(pieces, options.chunkSize)) as BodyInit;
    } else {
      init.body = (options.chunkSize === undefined ? body : chunkedStream([body], options.chunkSize)) as BodyInit;
    }
    if (options.chunkSize !== undefined) init.duplex = "half";
  }
  return context.fetch(new Request(options.url ?? signed.url, init));
}

export function multipartParts(boundary: string, fields: Record<string, string>, fileType: string): { head: Uint8Array; tail: Uint8Array } {
  let head = "";
  for (const [name, value] of Object.entries(fields)) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="upload.bin"\r\nContent-Type: ${fileType}\r\n\r\n`;
  return { head: textEncoder.encode(head), tail: textEncoder.encode(`\r\n--${boundary}--\r\n`) };
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** A body with no declared length (sent chunked), delivered a chunk per pull. */
export function chunkedStream(parts: Uint8Array[], chunkSize: number): ReadableStream<Uint8Array> {
  const all = concat(parts);
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= all.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(all.slice(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

export function bytesOf(length: number, seed = 0): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = (index * 31 + seed) & 255;
  return bytes;
}

export async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

export async function expectStatus(response: Response, allowed: readonly number[], message: string): Promise<void> {
  if (!allowed.includes(response.status)) {
    const text = await response.text().catch(() => "");
    fail(`${message}: expected status ${allowed.join(" or ")}, got ${response.status} ${text.slice(0, 300)}`);
  }
  await discard(response);
}

export async function expectRejected(response: Response, message: string): Promise<void> {
  if (response.status < 400 || response.status > 499) {
    const text = await response.text().catch(() => "");
    fail(`${message}: expected a 4xx status, got ${response.status} ${text.slice(0, 300)}`);
  }
  await discard(response);
}

export async function expectOk(response: Response, message: string): Promise<void> {
  if (response.status < 200 || response.status > 299) {
    const text = await response.text().catch(() => "");
    fail(`${message}: expected a 2xx status, got ${response.status} ${text.slice(0, 300)}`);
  }
  await discard(response);
}

export async function expectAbsent(context: CaseContext, key: string, message: string): Promise<void> {
  const info = await context.storage.head(key);
  assertTrue(info === null, `${message}: nothing may be stored, but ${key} exists (${info?.size} bytes)`);
}

export async function expectNoLeftovers(context: CaseContext, message: string): Promise<void> {
  const leftovers = (await context.fixture.leftovers?.()) ?? [];
  assertTrue(leftovers.length === 0, `${message}: temporary files were left: ${leftovers.slice(0, 5).join(", ")}`);
}

/** Statuses a too-large upload may get: 413 on a PUT; S3's POST policy answers 400 EntityTooLarge. */
export function tooLargeStatuses(signed: SignedRequest): number[] {
  return signed.method === "POST" ? [400, 403, 411, 413] : [413];
}

/** Changes one character of `value` to another of the same kind, keeping it well-formed. */
export function alter(value: string): string {
  for (let index = value.length - 1; index >= 0; index--) {
    const character = value[index]!;
    let replacement: string | undefined;
    if (/[0-8]/.test(character)) replacement = String(Number(character) + 1);
    else if (character === "9") replacement = "8";
    else if (/[a-yA-Y]/.test(character)) replacement = String.fromCharCode(character.charCodeAt(0) + 1);
    else if (character === "z") replacement = "y";
    else if (character === "Z") replacement = "Y";
    if (replacement !== undefined) return value.slice(0, index) + replacement + value.slice(index + 1);
  }
  return `${value}x`;
}

export function withParam(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.href;
}

/** Parses a Content-Disposition's type and file name (preferring `filename*`). */
export function parseDisposition(header: string): { type: string; filename?: string; extended?: string } {
  const [type = "", ...rest] = header.split(";");
  const result: { type: string; filename?: string; extended?: string } = { type: type.trim().toLowerCase() };
  const parameters = rest.join(";");
  const extended = /filename\*\s*=\s*([^;]+)/i.exec(parameters);
  if (extended) {
    const match = /^UTF-8'[^']*'(.*)$/i.exec(extended[1]!.trim());
    if (match) result.extended = decodeURIComponent(match[1]!);
  }
  const plain = /(?:^|;)\s*filename\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]+)/i.exec(parameters);
  if (plain) result.filename = plain[2] !== undefined ? plain[2].replace(/\\(.)/g, "$1") : plain[1]!.trim();
  return result;
}
