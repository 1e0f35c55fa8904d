import type { SignedRequest } from "@stowage/core";
import { defineCase, type CaseContext } from "../conformance-case.js";
import { assertBytesEqual, assertEqual, assertTrue, fail } from "../assert.js";

/**
 * Signed URLs, exercised over real HTTP by an unauthenticated client
 * (`context.fetch`). The cases are driver-agnostic: a signed upload may be a
 * PUT with headers or a POST form with `fields` (S3 presigned POST).
 */

const textEncoder = new TextEncoder();

interface SendOptions {
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
async function send(context: CaseContext, signed: SignedRequest, body: Uint8Array | null, options: SendOptions = {}): Promise<Response> {
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

function multipartParts(boundary: string, fields: Record<string, string>, fileType: string): { head: Uint8Array; tail: Uint8Array } {
  let head = "";
  for (const [name, value] of Object.entries(fields)) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="upload.bin"\r\nContent-Type: ${fileType}\r\n\r\n`;
  return { head: textEncoder.encode(head), tail: textEncoder.encode(`\r\n--${boundary}--\r\n`) };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** A body with no declared length (sent chunked), delivered a chunk per pull. */
function chunkedStream(parts: Uint8Array[], chunkSize: number): ReadableStream<Uint8Array> {
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

function bytesOf(length: number, seed = 0): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = (index * 31 + seed) & 255;
  return bytes;
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

async function expectStatus(response: Response, allowed: readonly number[], message: string): Promise<void> {
  if (!allowed.includes(response.status)) {
    const text = await response.text().catch(() => "");
    fail(`${message}: expected status ${allowed.join(" or ")}, got ${response.status} ${text.slice(0, 300)}`);
  }
  await discard(response);
}

async function expectRejected(response: Response, message: string): Promise<void> {
  if (response.status < 400 || response.status > 499) {
    const text = await response.text().catch(() => "");
    fail(`${message}: expected a 4xx status, got ${response.status} ${text.slice(0, 300)}`);
  }
  await discard(response);
}

async function expectOk(response: Response, message: string): Promise<void> {
  if (response.status < 200 || response.status > 299) {
    const text = await response.text().catch(() => "");
    fail(`${message}: expected a 2xx status, got ${response.status} ${text.slice(0, 300)}`);
  }
  await discard(response);
}

async function expectAbsent(context: CaseContext, key: string, message: string): Promise<void> {
  const info = await context.storage.head(key);
  assertTrue(info === null, `${message}: nothing may be stored, but ${key} exists (${info?.size} bytes)`);
}

async function expectNoLeftovers(context: CaseContext, message: string): Promise<void> {
  const leftovers = (await context.fixture.leftovers?.()) ?? [];
  assertTrue(leftovers.length === 0, `${message}: temporary files were left: ${leftovers.slice(0, 5).join(", ")}`);
}

/** Statuses a too-large upload may get: 413 on a PUT; S3's POST policy answers 400 EntityTooLarge. */
function tooLargeStatuses(signed: SignedRequest): number[] {
  return signed.method === "POST" ? [400, 403, 411, 413] : [413];
}

/** Changes one character of `value` to another of the same kind, keeping it well-formed. */
function alter(value: string): string {
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

function withParam(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.href;
}

/** Parses a Content-Disposition's type and file name (preferring `filename*`). */
function parseDisposition(header: string): { type: string; filename?: string; extended?: string } {
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

export const signingCases = [
  defineCase({
    name: "signing: a signed upload then a signed download round-trips bytes and content type",
    requires: ["signPut", "signGet", "signPutContentType"],
    async run(context) {
      const { storage, key } = context;
      const target = key("round trip/photo ü.png");
      const body = bytesOf(256 * 40);
      const before = Date.now();
      const upload = await storage.signPut(target, { contentType: "image/png", expiresIn: 120 });
      assertTrue(upload.method === "PUT" || upload.method === "POST", `signPut method is PUT or POST (got ${upload.method})`);
      assertTrue(upload.expiresAt instanceof Date, "signPut returns expiresAt as a Date");
      const expiresIn = upload.expiresAt.getTime() - before;
      assertTrue(expiresIn > 110_000 && expiresIn <= 121_000, `expiresAt is about 120 s ahead (got ${expiresIn} ms)`);
      if (upload.method === "PUT") {
        const sentType = Object.entries(upload.headers).find(([name]) => name.toLowerCase() === "content-type")?.[1];
        assertEqual(sentType, "image/png", "signPut's headers carry the Content-Type the browser must send");
      }
      await expectOk(await send(context, upload, body), "the signed upload");

      const info = await storage.head(target);
      assertTrue(info !== null, "the upload is stored");
      assertEqual(info.size, body.byteLength, "stored size");
      assertEqual(info.contentType, "image/png", "stored content type");

      const download = await storage.signGet(target, { expiresIn: 120 });
      assertEqual(download.method, "GET", "signGet method");
      assertEqual(Object.keys(download.headers).length, 0, "signGet needs no headers");
      const response = await context.fetch(new Request(download.url));
      assertEqual(response.status, 200, "signed GET status");
      assertEqual(response.headers.get("content-type"), "image/png", "signed GET Content-Type");
      assertEqual(response.headers.get("content-length"), String(body.byteLength), "signed GET Content-Length");
      assertEqual(response.headers.get("etag"), `"${info.etag}"`, "signed GET ETag (quoted)");
      assertBytesEqual(new Uint8Array(await response.arrayBuffer()), body, "downloaded bytes");
    },
  }),

  defineCase({
    name: "signing: each signed URL works only with its own method",
    requires: ["signPut", "signGet"],
    async run(context) {
      const { storage, key } = context;
      const target = key("method.bin");
      const original = bytesOf(100);
      await storage.put(target, original);
      const download = await storage.signGet(target);
      await expectRejected(await send(context, download, bytesOf(100, 7), { method: "PUT" }), "a GET URL used to PUT");
      const upload = await storage.signPut(target);
      await expectRejected(await context.fetch(new Request(upload.url)), "an upload URL used to GET");
      const object = await storage.get(target);
      assertTrue(object !== null, "the object is still there");
      assertBytesEqual(await object.bytes(), original, "the object is unchanged");
    },
  }),

  defineCase({
    name: "signing: a tampered download URL gives 403",
    requires: ["signGet"],
    async run(context) {
      const { storage, key } = context;
      const target = key("tamper-target.txt");
      const other = key("tamper-targeu.txt");
      await storage.put(target, "the signed object");
      await storage.put(other, "another object");
      const signed = await storage.signGet(target, { downloadFilename: "report.txt" });
      const control = await context.fetch(new Request(signed.url));
      assertEqual(control.status, 200, "the untampered URL works");
      await discard(control);

      const url = new URL(signed.url);
      assertTrue(url.search.length > 1, "a signed download URL carries its signature in the query");
      await expectStatus(await context.fetch(new Request(`${url.origin}${url.pathname}`)), [400, 403], "the URL without its query (Swift: 400, handed to its own API)");
      for (const [name, value] of url.searchParams) {
        const tampered = withParam(signed.url, name, alter(value));
        await expectStatus(await context.fetch(new Request(tampered)), [400, 403], `the URL with ${name} changed`);
      }
      assertTrue(url.pathname.endsWith("tamper-target.txt"), "the key is the end of the URL path");
      const otherKey = new URL(signed.url);
      otherKey.pathname = `${url.pathname.slice(0, -"tamper-target.txt".length)}tamper-targeu.txt`;
      await expectStatus(await context.fetch(new Request(otherKey.href)), [403], "the URL with the key changed");
    },
  }),

  defineCase({
    name: "signing: a tampered upload URL gives 403 and stores nothing",
    requires: ["signPut"],
    async run(context) {
      const { storage, key } = context;
      const target = key("tamper-upload.bin");
      const options: { contentType?: string; maxSize?: number } = {};
      if (storage.capabilities.signPutContentType) options.contentType = "application/octet-stream";
      if (storage.capabilities.signPutMaxSize) options.maxSize = 4096;
      const signed = await storage.signPut(target, options);
      const body = bytesOf(64);
      if (signed.method === "POST" && signed.fields !== undefined) {
        for (const name of Object.keys(signed.fields)) {
          if (name.toLowerCase() === "key" || name.toLowerCase() === "content-type") continue;
          const fields = { ...signed.fields, [name]: alter(signed.fields[name]!) };
          await expectStatus(await send(context, signed, body, { fields }), [400, 403], `the form with ${name} changed`);
        }
      } else {
        const url = new URL(signed.url);
        await expectStatus(await send(context, signed, body, { url: `${url.origin}${url.pathname}` }), [400, 403], "the URL without its query (Swift: 400, handed to its own API)");
        for (const [name, value] of url.searchParams) {
          await expectStatus(
            await send(context, signed, body, { url: withParam(signed.url, name, alter(value)) }),
            [400, 403],
            `the URL with ${name} changed`,
          );
        }
        assertTrue(url.pathname.endsWith("tamper-upload.bin"), "the key is the end of the URL path");
        const otherKey = new URL(signed.url);
        otherKey.pathname = `${url.pathname.slice(0, -"tamper-upload.bin".length)}tamper-uploae.bin`;
        await expectStatus(await send(context, signed, body, { url: otherKey.href }), [403], "the URL with the key changed");
        await expectAbsent(context, key("tamper-uploae.bin"), "after the upload with the key changed");
      }
      await expectAbsent(context, target, "after tampered uploads");
    },
  }),

  defineCase({
    name: "signing: expired URLs give 403",
    requires: ["signPut", "signGet"],
    async run(context) {
      const { storage, key } = context;
      const past = context.createStorage({ clock: () => Date.now() - 3_600_000 });
      const target = key("expired.bin");
      const upload = await past.signPut(target, { expiresIn: 60 });
      assertTrue(upload.expiresAt.getTime() < Date.now(), "the URL expired an hour ago (minus a minute)");
      await expectStatus(await send(context, upload, bytesOf(10)), [403], "an expired upload URL");
      await expectAbsent(context, target, "after an expired upload");

      await storage.put(target, "present");
      const download = await past.signGet(target, { expiresIn: 60 });
      await expectStatus(await context.fetch(new Request(download.url)), [403], "an expired download URL");
      const fresh = await storage.signGet(target, { expiresIn: 60 });
      const response = await context.fetch(new Request(fresh.url));
      assertEqual(response.status, 200, "a fresh URL for the same key works");
      assertEqual(await response.text(), "present", "the fresh URL's body");
    },
  }),

  defineCase({
    name: "signing: a wrong or missing content type is rejected and nothing is stored",
    requires: ["signPut", "signPutContentType"],
    async run(context) {
      const { storage, key } = context;
      const target = key("typed.png");
      const signed = await storage.signPut(target, { contentType: "image/png" });
      await expectRejected(await send(context, signed, bytesOf(32), { contentType: "text/plain" }), "a wrong content type");
      await expectAbsent(context, target, "after a wrong content type");
      await expectRejected(await send(context, signed, bytesOf(32), { contentType: null }), "a missing content type");
      await expectAbsent(context, target, "after a missing content type");
      await expectNoLeftovers(context, "after rejected content types");
    },
  }),

  defineCase({
    name: "signing: an upload sent without a Content-Type reads back as application/octet-stream",
    requires: ["signPut"],
    async run(context) {
      // S3 servers store their own default, binary/octet-stream, for a PUT
      // without Content-Type; every backend must read back the same type as
      // an untyped put (application/octet-stream).
      const { storage, key } = context;
      const target = key("untyped upload");
      const body = bytesOf(64, 7);
      const signed = await storage.signPut(target);
      if (signed.method === "PUT") {
        const signedType = Object.keys(signed.headers).find((name) => name.toLowerCase() === "content-type");
        assertEqual(signedType, undefined, "a URL signed without contentType asks for no Content-Type header");
      }
      await expectOk(await send(context, signed, body, { contentType: null }), "the upload without a Content-Type");
      const info = await storage.head(target);
      assertEqual(info?.contentType, "application/octet-stream", "head's contentType");
      const object = await storage.get(target);
      assertTrue(object !== null, "the upload is stored");
      assertEqual(object.contentType, "application/octet-stream", "get's contentType");
      assertBytesEqual(await object.bytes(), body, "the body");
    },
  }),

  defineCase({
    name: "signing: a declared length over maxSize gives 413 and stores nothing",
    requires: ["signPut", "signPutMaxSize"],
    async run(context) {
      const { storage, key } = context;
      const target = key("too-large-declared.bin");
      const signed = await storage.signPut(target, { maxSize: 1024 });
      await expectStatus(await send(context, signed, bytesOf(4096)), tooLargeStatuses(signed), "4096 bytes against maxSize 1024");
      await expectAbsent(context, target, "after a too-large upload");
      await expectNoLeftovers(context, "after a too-large upload");
      const exact = await storage.signPut(key("at-limit.bin"), { maxSize: 1024 });
      await expectOk(await send(context, exact, bytesOf(1024)), "exactly maxSize bytes");
      assertEqual((await storage.head(key("at-limit.bin")))?.size, 1024, "the upload at the limit is stored");
    },
  }),

  defineCase({
    name: "signing: a chunked body over maxSize gives 413 and stores nothing",
    requires: ["signPut", "signPutMaxSize"],
    async run(context) {
      const { storage, key } = context;
      const target = key("too-large-chunked.bin");
      const signed = await storage.signPut(target, { maxSize: 4096 });
      const response = await send(context, signed, bytesOf(256 * 1024), { chunkSize: 1024 });
      await expectStatus(response, tooLargeStatuses(signed), "a chunked 256 KiB body against maxSize 4096");
      await expectAbsent(context, target, "after a too-large chunked upload");
      await expectNoLeftovers(context, "after a too-large chunked upload");
      if (signed.method === "PUT") {
        const small = await storage.signPut(key("chunked-small.bin"), { maxSize: 4096 });
        await expectOk(await send(context, small, bytesOf(4000), { chunkSize: 1000 }), "a chunked body under maxSize");
        assertEqual((await storage.head(key("chunked-small.bin")))?.size, 4000, "the chunked upload under the limit is stored");
      }
    },
  }),

  defineCase({
    name: "signing: an upload must have exactly the signed size",
    requires: ["signPut", "signPutSize"],
    async run(context) {
      const { storage, key } = context;
      const target = key("exact-size.bin");
      const signed = await storage.signPut(target, { size: 100 });
      await expectRejected(await send(context, signed, bytesOf(101)), "one byte too many");
      await expectAbsent(context, target, "after a too-long upload");
      await expectRejected(await send(context, signed, bytesOf(99)), "one byte too few");
      await expectAbsent(context, target, "after a too-short upload");
      await expectOk(await send(context, signed, bytesOf(100)), "exactly the signed size");
      assertEqual((await storage.head(target))?.size, 100, "the exact upload is stored");
    },
  }),

  defineCase({
    name: "signing: a one-time URL cannot be replayed and the first upload stays",
    requires: ["signPut", "signPutOneTime"],
    async run(context) {
      const { storage, key } = context;
      const target = key("once.bin");
      const signed = await storage.signPut(target, { oneTime: true });
      const first = bytesOf(64, 1);
      await expectOk(await send(context, signed, first), "the first use");
      await expectRejected(await send(context, signed, bytesOf(64, 2)), "a replay");
      const object = await storage.get(target);
      assertTrue(object !== null, "the first upload is stored");
      assertBytesEqual(await object.bytes(), first, "the first upload is intact");
      const again = await storage.signPut(target, { oneTime: true });
      await expectOk(await send(context, again, bytesOf(64, 3)), "a new one-time URL for the same key");
    },
  }),

  defineCase({
    name: "signing: a create-only URL on an existing key gives 409",
    requires: ["signPut", "signPutIfNotExists"],
    async run(context) {
      const { storage, key } = context;
      const fresh = key("create-only-fresh.bin");
      const signedFresh = await storage.signPut(fresh, { ifNotExists: true });
      await expectOk(await send(context, signedFresh, bytesOf(10)), "a create-only upload to a new key");
      const existing = key("create-only.bin");
      await storage.put(existing, "original");
      const signed = await storage.signPut(existing, { ifNotExists: true });
      await expectStatus(await send(context, signed, bytesOf(10)), [409, 412], "a create-only upload to an existing key");
      const object = await storage.get(existing);
      assertEqual(await object?.text(), "original", "the existing object is unchanged");
    },
  }),

  defineCase({
    name: "signing: downloadFilename gives an RFC 6266 Content-Disposition, non-ASCII included",
    requires: ["signGet"],
    async run(context) {
      const { storage, key } = context;
      const target = key("download.bin");
      await storage.put(target, "contents");
      const names = ["report 2024.pdf", "résumé – 報告 😀.pdf"];
      for (const name of names) {
        const signed = await storage.signGet(target, { downloadFilename: name });
        const response = await context.fetch(new Request(signed.url));
        assertEqual(response.status, 200, `GET with downloadFilename ${name}`);
        await discard(response);
        const header = response.headers.get("content-disposition");
        assertTrue(header !== null, `Content-Disposition is sent for ${name}`);
        const parsed = parseDisposition(header);
        assertEqual(parsed.type, "attachment", `disposition type for ${name}`);
        assertTrue(/^[\x20-\x7e]*$/.test(header), `the header is ASCII for ${name}: ${header}`);
        assertEqual(parsed.extended ?? parsed.filename, name, `the file name a browser reads from ${header}`);
        if (parsed.filename !== undefined) assertTrue(/^[\x20-\x7e]*$/.test(parsed.filename), "the filename fallback is ASCII");
      }
    },
  }),

  defineCase({
    name: "signing: a ranged GET through a signed URL gives 206, an unsatisfiable one 416",
    requires: ["signGet", "rangeRead"],
    async run(context) {
      const { storage, key } = context;
      const target = key("ranged.bin");
      const body = bytesOf(1000);
      await storage.put(target, body);
      const signed = await storage.signGet(target);
      const response = await context.fetch(new Request(signed.url, { headers: { range: "bytes=100-199" } }));
      assertEqual(response.status, 206, "ranged GET status");
      assertEqual(response.headers.get("content-range"), "bytes 100-199/1000", "Content-Range");
      assertEqual(response.headers.get("content-length"), "100", "Content-Length of the range");
      assertBytesEqual(new Uint8Array(await response.arrayBuffer()), body.slice(100, 200), "the ranged bytes");
      const suffix = await context.fetch(new Request(signed.url, { headers: { range: "bytes=-10" } }));
      assertEqual(suffix.status, 206, "suffix range status");
      assertBytesEqual(new Uint8Array(await suffix.arrayBuffer()), body.slice(990), "the suffix bytes");
      await expectStatus(
        await context.fetch(new Request(signed.url, { headers: { range: "bytes=5000-" } })),
        [416],
        "a range past the end",
      );
    },
  }),

  defineCase({
    name: "signing: If-None-Match with the current ETag gives 304",
    requires: ["signGet"],
    async run(context) {
      const { storage, key } = context;
      const target = key("conditional.txt");
      const info = await storage.put(target, "conditional body");
      const signed = await storage.signGet(target);
      const response = await context.fetch(new Request(signed.url, { headers: { "if-none-match": `"${info.etag}"` } }));
      assertEqual(response.status, 304, "GET with the current ETag");
      await discard(response);
      const changed = await context.fetch(new Request(signed.url, { headers: { "if-none-match": '"not-the-etag"' } }));
      assertEqual(changed.status, 200, "GET with another ETag");
      assertEqual(await changed.text(), "conditional body", "the body with another ETag");
    },
  }),

  defineCase({
    name: "signing: a signed GET after delete gives 404",
    requires: ["signGet"],
    async run(context) {
      const { storage, key } = context;
      const target = key("deleted.txt");
      await storage.put(target, "soon gone");
      const signed = await storage.signGet(target);
      const before = await context.fetch(new Request(signed.url));
      assertEqual(before.status, 200, "GET before delete");
      assertEqual(await before.text(), "soon gone", "the body before delete");
      await storage.delete(target);
      await expectStatus(await context.fetch(new Request(signed.url)), [404], "GET after delete");
    },
  }),
];
