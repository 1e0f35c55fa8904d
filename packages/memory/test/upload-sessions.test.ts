// Multipart upload sessions on the memory driver, end to end: Storage.uploads
// creates and completes, part URLs signed by the HMAC signer are PUT over real
// HTTP to @stowage/http's handler, which stages the parts in the driver.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStorage, isStorageError, type SignedRequest, type Storage, type UploadSession } from "@stowage/core";
import { memoryDriver, type MemoryDriver } from "@stowage/memory";
import { createSignedUrlHandler } from "@stowage/http";
import { serveHandler } from "@stowage/http/node";

const secrets = [{ id: "up", secret: "memory-upload-sessions-secret-0123456789" }];
const mebibyte = 1024 * 1024;
const partSize = 5 * mebibyte;

let served: { url: string; close: () => Promise<void> };
let driver: MemoryDriver;
let storage: Storage;
/** Milliseconds added to the handler's clock (to reach a URL's expiry). */
let skew = 0;

beforeAll(async () => {
  let handler: ((request: Request) => Promise<Response>) | undefined;
  served = await serveHandler((request) => handler!(request));
  driver = memoryDriver({ signing: { secrets, baseUrl: `${served.url}/__storage` } });
  storage = createStorage(driver);
  handler = createSignedUrlHandler(storage, { secrets, basePath: "/__storage", clock: () => Date.now() + skew });
});
afterAll(() => served.close());

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += 65_536) crypto.getRandomValues(bytes.subarray(offset, Math.min(length, offset + 65_536)));
  return bytes;
}

function put(url: string, body: Uint8Array | ReadableStream<Uint8Array>): Promise<Response> {
  return fetch(url, { method: "PUT", body, ...(body instanceof ReadableStream ? { duplex: "half" } : {}) } as RequestInit);
}

async function code(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isStorageError(error)) throw new Error(`expected a StorageError, got ${String(error)}`);
  return error.code;
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

function urlOf(signed: SignedRequest[], partNumber: number): string {
  const found = signed.find((request) => new URL(request.url).searchParams.get("part") === String(partNumber));
  if (found === undefined) throw new Error(`no URL for part ${partNumber}`);
  return found.url;
}

/** `length` bytes of one part, streamed in chunks of at most 64 KiB. */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + 65_536));
      offset += 65_536;
    },
  });
}

describe("memory upload sessions over HTTP", () => {
  it("claims multipart uploads only with a signer that signs parts", () => {
    const plain = memoryDriver().capabilities;
    expect([plain.multipartUpload, plain.signUploadPart, plain.uploadIfNotExists]).toEqual([false, false, false]);
    expect(memoryDriver().capabilityHints.multipartUpload).toContain("signing: { secrets, baseUrl }");
    const signed = driver.capabilities;
    expect([signed.multipartUpload, signed.signUploadPart, signed.uploadIfNotExists]).toEqual([true, true, true]);
  });

  it("round trip: parts PUT out of order, listed, completed; bytes, type and metadata exact; nothing visible before", async () => {
    const bytes = randomBytes(2 * partSize + 12_345);
    const session = await storage.uploads.create("videos/a.mp4", {
      size: bytes.byteLength,
      partSize,
      contentType: "video/mp4",
      cacheControl: "max-age=60",
      metadata: { owner: "ada" },
    });
    expect(session.partCount).toBe(3);
    const signed = await storage.uploads.signParts(session, [3, 1, 2]);
    const etags = new Map<number, string>();
    for (const partNumber of [3, 1, 2]) {
      const slice = bytes.subarray((partNumber - 1) * partSize, partNumber * partSize);
      const response = await put(urlOf(signed, partNumber), slice);
      expect(response.status, await response.clone().text()).toBe(200);
      const etag = response.headers.get("etag")!;
      expect(etag).toMatch(/^"[^"]+"$/);
      expect(((await response.json()) as { etag: string; size: number })).toEqual({ partNumber, etag: etag.slice(1, -1), size: slice.byteLength });
      etags.set(partNumber, etag);
      // Staged parts are invisible: not readable, not listed, not stored as objects.
      expect(await storage.head("videos/a.mp4")).toBeNull();
      expect(await storage.get("videos/a.mp4")).toBeNull();
      expect((await storage.list({ prefix: "" })).objects).toEqual([]);
      expect(driver.raw.size).toBe(0);
    }
    const listed = await storage.uploads.listParts(session);
    expect(listed.map(({ partNumber, size }) => ({ partNumber, size }))).toEqual([
      { partNumber: 1, size: partSize },
      { partNumber: 2, size: partSize },
      { partNumber: 3, size: 12_345 },
    ]);
    expect(listed.map((part) => `"${part.etag}"`)).toEqual([etags.get(1), etags.get(2), etags.get(3)]);
    // The etags as a browser reads them (quoted) complete the upload.
    const info = await storage.uploads.complete(session, [1, 2, 3].map((partNumber) => ({ partNumber, etag: etags.get(partNumber)! })));
    expect(info).toEqual(await storage.head("videos/a.mp4"));
    expect(info).toMatchObject({ size: bytes.byteLength, contentType: "video/mp4", cacheControl: "max-age=60", metadata: { owner: "ada" } });
    const read = await storage.get("videos/a.mp4");
    // Byte by byte (toEqual on 10 MiB takes minutes).
    expect(Buffer.compare(await read!.bytes(), bytes)).toBe(0);
    expect(await storage.uploads.list()).toEqual([]);
    expect(driver.raw.uploads.size).toBe(0);
    await storage.delete("videos/a.mp4");
  });

  it("refuses a part of the wrong length, declared or streamed, and stages nothing", async () => {
    const session = await storage.uploads.create("sized.bin", { size: partSize + 10, partSize });
    const [first] = await storage.uploads.signParts(session, [1]);
    expect((await put(first!.url, randomBytes(partSize - 1))).status).toBe(400);
    const tooLong = await put(first!.url, randomBytes(partSize + 1));
    expect([tooLong.status, await errorCode(tooLong)]).toEqual([413, "TooLarge"]);
    const streamedLong = await put(first!.url, streamOf(randomBytes(partSize + 1)));
    expect([streamedLong.status, await errorCode(streamedLong)]).toEqual([413, "TooLarge"]);
    const streamedShort = await put(first!.url, streamOf(randomBytes(partSize - 1)));
    expect(streamedShort.status).toBe(400);
    expect(await storage.uploads.listParts(session)).toEqual([]);
    expect(driver.raw.uploads.get(session.uploadId)!.parts.size).toBe(0);
    await storage.uploads.abort(session);
  });

  it("refuses a tampered part URL (part number, upload id, key, size, signature) and an expired one with 403", async () => {
    const bytes = randomBytes(partSize + 10);
    const session = await storage.uploads.create("tamper.bin", { size: bytes.byteLength, partSize });
    const other = await storage.uploads.create("tamper.bin", { size: bytes.byteLength, partSize });
    const [first] = await storage.uploads.signParts(session, [1], { expiresIn: 60 });
    const url = new URL(first!.url);
    const tampered = (change: (url: URL) => void) => {
      const copy = new URL(url);
      change(copy);
      return copy.href;
    };
    const cases = {
      partNumber: tampered((copy) => copy.searchParams.set("part", "2")),
      uploadId: tampered((copy) => copy.searchParams.set("upload-id", other.uploadId)),
      key: tampered((copy) => (copy.pathname = copy.pathname.replace("tamper.bin", "other.bin"))),
      size: tampered((copy) => copy.searchParams.set("size", "10")),
      signature: tampered((copy) => copy.searchParams.set("sig", "A".repeat(43))),
      expiry: tampered((copy) => copy.searchParams.set("expires", String(Number(copy.searchParams.get("expires")) + 3_600_000))),
      // Without its upload id it is no object PUT either.
      asObjectPut: tampered((copy) => copy.searchParams.delete("upload-id")),
    };
    for (const [name, tamperedUrl] of Object.entries(cases)) {
      const response = await put(tamperedUrl, bytes.subarray(0, partSize));
      expect([name, response.status, await errorCode(response)]).toEqual([name, 403, "InvalidSignature"]);
    }
    skew = 61_000;
    try {
      const expired = await put(first!.url, bytes.subarray(0, partSize));
      expect([expired.status, await errorCode(expired)]).toEqual([403, "Expired"]);
    } finally {
      skew = 0;
    }
    expect(await storage.uploads.listParts(session)).toEqual([]);
    expect(await storage.uploads.listParts(other)).toEqual([]);
    expect(await storage.head("tamper.bin")).toBeNull();
    expect(await storage.head("other.bin")).toBeNull();
    // The untampered URL works.
    expect((await put(first!.url, bytes.subarray(0, partSize))).status).toBe(200);
    await storage.uploads.abort(session);
    await storage.uploads.abort(other);
  });

  it("abort leaves no session and no staged bytes, and its part URLs then give 404", async () => {
    const session = await storage.uploads.create("aborted.bin", { partSize });
    const [first, second] = await storage.uploads.signParts(session, [1, 2]);
    expect((await put(first!.url, randomBytes(partSize))).status).toBe(200);
    expect(driver.raw.uploads.get(session.uploadId)!.parts.size).toBe(1);
    await storage.uploads.abort(session);
    expect(await storage.uploads.list()).toEqual([]);
    expect(driver.raw.uploads.size).toBe(0);
    expect(driver.raw.size).toBe(0);
    const late = await put(second!.url, randomBytes(10));
    expect([late.status, await errorCode(late)]).toEqual([404, "NotFound"]);
    expect(driver.raw.uploads.size).toBe(0);
    expect(await code(storage.uploads.listParts(session))).toBe("NotFound");
    await storage.uploads.abort(session);
  });

  it("two racing sessions with ifNotExists: exactly one completes, the other gets AlreadyExists", async () => {
    const sessions: UploadSession[] = [];
    const contents = [randomBytes(100), randomBytes(100)];
    for (const content of contents) {
      const session = await storage.uploads.create("race.bin", { size: content.byteLength, ifNotExists: true });
      const [url] = await storage.uploads.signParts(session, [1]);
      expect((await put(url!.url, content)).status).toBe(200);
      sessions.push(session);
    }
    const results = await Promise.allSettled(sessions.map((session) => storage.uploads.complete(session)));
    const won = results.findIndex((result) => result.status === "fulfilled");
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    const lost = results[1 - won] as PromiseRejectedResult;
    expect(isStorageError(lost.reason) && lost.reason.code).toBe("AlreadyExists");
    expect(await (await storage.get("race.bin"))!.bytes()).toEqual(contents[won]);
    // An existing key refuses a create-only completion too.
    expect(await code(storage.uploads.complete(sessions[1 - won]!))).toBe("AlreadyExists");
    await storage.uploads.abortAll({ olderThan: new Date(Date.now() + 1000) });
    expect(driver.raw.uploads.size).toBe(0);
    await storage.delete("race.bin");
  });

  it("over maxSize completion fails with TooLarge, aborts the upload and shows nothing", async () => {
    const session = await storage.uploads.create("big.bin", { maxSize: partSize + 100, partSize });
    const signed = await storage.uploads.signParts(session, [1, 2]);
    expect((await put(urlOf(signed, 1), randomBytes(partSize))).status).toBe(200);
    expect((await put(urlOf(signed, 2), randomBytes(101))).status).toBe(200);
    expect(await code(storage.uploads.complete(session))).toBe("TooLarge");
    expect(await storage.uploads.list()).toEqual([]);
    expect(driver.raw.uploads.size).toBe(0);
    expect(await storage.head("big.bin")).toBeNull();
  });

  it("completion replaces an existing object in one step and keeps the session's fields", async () => {
    await storage.put("replace.txt", new TextEncoder().encode("old"), { contentType: "text/plain" });
    const session = await storage.uploads.create("replace.txt", { size: 3, contentType: "text/csv", metadata: { v: "2" } });
    const [url] = await storage.uploads.signParts(session, [1]);
    expect((await put(url!.url, new TextEncoder().encode("new"))).status).toBe(200);
    expect(await (await storage.get("replace.txt"))!.text()).toBe("old");
    const info = await storage.uploads.complete(session);
    expect(info).toMatchObject({ contentType: "text/csv", metadata: { v: "2" }, size: 3 });
    expect(await (await storage.get("replace.txt"))!.text()).toBe("new");
    await storage.delete("replace.txt");
  });
});
