// The handler's upload-part route: signed part URLs PUT into the driver's
// uploadPart, with the signed length enforced and the ETag readable by a page.
import { describe, expect, it } from "vitest";
import { createStorage, type StorageDriver } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { createSignedUrlHandler } from "@stowage/http";

const secrets = [{ id: "p", secret: "part-route-test-secret-0123456789abcdef" }];
const baseUrl = "https://files.example.com/__storage";
const app = "https://app.example.com";
const partSize = 5 * 1024 * 1024;

async function setup(wrap: (driver: ReturnType<typeof memoryDriver>) => StorageDriver = (driver) => driver) {
  const driver = memoryDriver({ signing: { secrets, baseUrl } });
  const storage = createStorage(wrap(driver));
  const handler = createSignedUrlHandler(storage, { secrets, basePath: "/__storage", cors: { origins: [app] } });
  const session = await createStorage(driver).uploads.create("part.bin", { size: partSize + 3, partSize });
  const [first, last] = await createStorage(driver).uploads.signParts(session, [1, 2]);
  return { driver, storage, handler, session, first: first!.url, last: last!.url };
}

function put(url: string, body: BodyInit, headers: Record<string, string> = {}): Request {
  return new Request(url, { method: "PUT", body, headers, ...(body instanceof ReadableStream ? { duplex: "half" } : {}) } as RequestInit);
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

describe("the signed URL handler's part route", () => {
  it("stores a part and answers 200 with its quoted ETag, exposed to an allowed origin", async () => {
    const { driver, handler, session, last } = await setup();
    const response = await handler(put(last, new Uint8Array([1, 2, 3]), { origin: app, "content-type": "text/html" }));
    expect(response.status).toBe(200);
    const etag = response.headers.get("etag")!;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(await response.json()).toEqual({ partNumber: 2, size: 3, etag: etag.slice(1, -1) });
    expect(response.headers.get("access-control-allow-origin")).toBe(app);
    expect(response.headers.get("access-control-expose-headers")!.split(/,\s*/)).toContain("ETag");
    expect(driver.raw.uploads.get(session.uploadId)!.parts.get(2)!.bytes).toEqual(new Uint8Array([1, 2, 3]));
    // The part is staged, not an object.
    expect(driver.raw.size).toBe(0);
  });

  it("answers a preflight for a part PUT", async () => {
    const { handler, first } = await setup();
    const response = await handler(new Request(first, { method: "OPTIONS", headers: { origin: app, "access-control-request-method": "PUT" } }));
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-methods")).toContain("PUT");
  });

  it("enforces the signed length: 413 above it, 400 for another declared or streamed length", async () => {
    const { driver, handler, session, last } = await setup();
    const long = await handler(put(last, new Uint8Array(4), { "content-length": "4" }));
    expect([long.status, await errorCode(long)]).toEqual([413, "TooLarge"]);
    const short = await handler(put(last, new Uint8Array(2), { "content-length": "2" }));
    expect([short.status, await errorCode(short)]).toEqual([400, "SizeMismatch"]);
    const stream = (length: number) => new ReadableStream<Uint8Array>({ start: (controller) => (controller.enqueue(new Uint8Array(length)), controller.close()) });
    const streamedLong = await handler(put(last, stream(4)));
    expect([streamedLong.status, await errorCode(streamedLong)]).toEqual([413, "TooLarge"]);
    const streamedShort = await handler(put(last, stream(2)));
    expect(streamedShort.status).toBe(400);
    expect(driver.raw.uploads.get(session.uploadId)!.parts.size).toBe(0);
  });

  it("answers 404 for an unknown upload, and 403 for a tampered or foreign part URL", async () => {
    const { driver, handler, session, last } = await setup();
    await driver.abortUpload(session.key, session.uploadId, {});
    const gone = await handler(put(last, new Uint8Array(3)));
    expect([gone.status, await errorCode(gone)]).toEqual([404, "NotFound"]);
    const other = await setup();
    const foreign = new URL(other.last);
    foreign.searchParams.set("upload-id", session.uploadId);
    expect((await handler(put(foreign.href, new Uint8Array(3)))).status).toBe(403);
  });

  it("refuses GET on a part URL, and a driver without uploadPart with 501", async () => {
    const { handler, last } = await setup();
    expect((await handler(new Request(last))).status).toBe(405);
    // The same driver, seen without its uploadPart method.
    const without = await setup((driver) => new Proxy(driver, { get: (target, name) => (name === "uploadPart" ? undefined : Reflect.get(target, name, target)) }));
    const response = await without.handler(put(without.last, new Uint8Array(3)));
    expect([response.status, await errorCode(response)]).toEqual([501, "Unsupported"]);
  });

  it("holds a part signed without a length (a maxSize upload) to its declared Content-Length, and tells the driver", async () => {
    const driver = memoryDriver({ signing: { secrets, baseUrl } });
    const seen: (number | undefined)[] = [];
    const recording = new Proxy(driver, {
      get: (target, name) =>
        name === "uploadPart"
          ? (...args: Parameters<typeof driver.uploadPart>) => (seen.push(args[4]?.size), target.uploadPart(...args))
          : Reflect.get(target, name, target),
    });
    const handler = createSignedUrlHandler(createStorage(recording), { secrets, basePath: "/__storage" });
    const session = await createStorage(driver).uploads.create("capped.bin", { maxSize: 3 * partSize, partSize });
    const [url] = (await createStorage(driver).uploads.signParts(session, [1])).map((each) => each.url);
    const stream = (length: number) => new ReadableStream<Uint8Array>({ start: (controller) => (controller.enqueue(new Uint8Array(length)), controller.close()) });
    // A body shorter than it declared (a proxy or a client that lied) stores nothing.
    const short = await handler(put(url!, stream(2), { "content-length": "3" }));
    expect(short.status).toBe(400);
    expect(driver.raw.uploads.get(session.uploadId)!.parts.size).toBe(0);
    const stored = await handler(put(url!, new Uint8Array(3), { "content-length": "3" }));
    expect(stored.status).toBe(200);
    expect(seen).toEqual([3, 3]);
    // Without a declared length the part still streams, with no size.
    const chunked = await handler(put(url!, stream(5)));
    expect(chunked.status).toBe(200);
    expect(seen).toEqual([3, 3, undefined]);
  });
});
