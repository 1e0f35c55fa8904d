import { env } from "cloudflare:workers";
import { createStorage, isStorageError } from "@stowage/core";
import { r2Driver } from "@stowage/r2";
import { r2Copy } from "../src/r2-copy.ts";
import { describe, expect, it } from "vitest";

// Copy through the Worker (the binding has no copy), and the conditional
// delete the binding cannot do.
const bucket = (env as unknown as { BUCKET: R2Bucket }).BUCKET;
const MiB = 1024 * 1024;
const driver = r2Driver({ bucket, partSize: 5 * MiB });
const storage = createStorage(driver);
let counter = 0;
const key = (name: string) => `copy/${(counter++).toString(36)}-${name}`;

function patterned(size: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index++) bytes[index] = (index * 31 + seed) & 0xff;
  return bytes;
}

function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  if (actual.byteLength !== expected.byteLength) return false;
  for (let index = 0; index < actual.byteLength; index++) if (actual[index] !== expected[index]) return false;
  return true;
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<Error> {
  const error = await errorOf(promise);
  expect(isStorageError(error), `expected a StorageError ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  return error as Error;
}

/**
 * The binding, with the source's body replaced by a stream that hands out
 * chunks of it and calls `afterChunk` after each, and `beforePut` run before
 * every put.
 */
function instrumented(options: { afterChunk?: (index: number) => void; beforePut?: () => Promise<void> }): R2Bucket {
  return {
    async get(name: string, getOptions?: R2GetOptions) {
      const object = await bucket.get(name, getOptions);
      if (object === null || !("body" in object)) return object;
      const bytes = new Uint8Array(await object.arrayBuffer());
      let offset = 0;
      let index = 0;
      const body = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            if (offset >= bytes.byteLength) return controller.close();
            controller.enqueue(bytes.slice(offset, offset + 64 * 1024));
            offset += 64 * 1024;
            options.afterChunk?.(index++);
          },
        },
        { highWaterMark: 0 },
      );
      const { key: objectKey, etag, size, httpMetadata, customMetadata, checksums, uploaded, version, httpEtag } = object;
      return { key: objectKey, etag, size, httpMetadata, customMetadata, checksums, uploaded, version, httpEtag, body };
    },
    async put(...args: Parameters<R2Bucket["put"]>) {
      await options.beforePut?.();
      return bucket.put(...args);
    },
    createMultipartUpload: bucket.createMultipartUpload.bind(bucket),
  } as unknown as R2Bucket;
}

type R2GetOptions = Parameters<R2Bucket["get"]>[1];

describe("capabilities", () => {
  it("copy is claimed, not server-side, with both conditions; deleteIfMatch is off, each with a hint", () => {
    expect(driver.capabilities).toMatchObject({
      copy: true,
      serverSideCopy: false,
      copyIfMatch: true,
      copyIfNotExists: true,
      deleteIfMatch: false,
    });
    expect(driver.capabilityHints.serverSideCopy).toMatch(/through the Worker/);
    expect(driver.capabilityHints.deleteIfMatch).toMatch(/delete takes no condition/);
  });
});

describe("copy", () => {
  it("keeps the bytes, content type, content-* fields and metadata", async () => {
    const from = key("src");
    const to = key("dst");
    const body = patterned(300_000);
    await storage.put(from, body, {
      contentType: "image/png",
      cacheControl: "max-age=60",
      contentDisposition: 'attachment; filename="a.png"',
      contentEncoding: "identity",
      metadata: { owner: "me", n: "1" },
    });
    const info = await storage.copy(from, to);
    expect(info).toMatchObject({ key: to, size: body.byteLength, contentType: "image/png", metadata: { owner: "me", n: "1" } });
    const source = await storage.head(from);
    const target = await storage.head(to);
    expect(target).toEqual({ ...source, key: to, lastModified: target!.lastModified });
    expect(info).toEqual(target);
    expect(sameBytes(await (await storage.get(to))!.bytes(), body)).toBe(true);
  });

  it("an empty object copies", async () => {
    const from = key("empty");
    await storage.put(from, new Uint8Array(0), { contentType: "text/plain" });
    const info = await storage.copy(from, key("empty-copy"));
    expect(info.size).toBe(0);
    expect(info.contentType).toBe("text/plain");
  });

  it("replaces the fields given (metadata as a whole) and keeps the others", async () => {
    const from = key("src");
    const to = key("dst");
    await storage.put(from, "hello", { contentType: "text/plain", cacheControl: "no-store", metadata: { a: "1" } });
    const info = await storage.copy(from, to, { contentType: "text/markdown", metadata: { b: "2" } });
    expect(info.contentType).toBe("text/markdown");
    expect(info.metadata).toEqual({ b: "2" });
    expect(info.cacheControl).toBe("no-store");
    const head = await bucket.head(to);
    expect(head!.httpMetadata?.contentType).toBe("text/markdown");
    expect(head!.customMetadata).toEqual({ b: "2" });
    expect(await (await storage.get(to))!.text()).toBe("hello");
    expect((await storage.head(from))!.contentType).toBe("text/plain");
  });

  it("driver replace: exactly the given fields", async () => {
    const from = key("src");
    const to = key("dst");
    await storage.put(from, "x", { contentType: "text/plain", cacheControl: "no-store", metadata: { a: "1" } });
    const info = await driver.copy(from, to, { replace: { contentType: "text/csv", metadata: {} } });
    expect(info.cacheControl).toBeUndefined();
    expect(info.metadata).toEqual({});
    expect((await storage.head(to))!.cacheControl).toBeUndefined();
  });

  it("replaces an existing target, and the two objects are independent afterwards", async () => {
    const from = key("src");
    const to = key("dst");
    await storage.put(from, "one");
    await storage.put(to, "old target");
    await storage.copy(from, to);
    expect(await (await storage.get(to))!.text()).toBe("one");
    await storage.put(from, "two");
    expect(await (await storage.get(to))!.text()).toBe("one");
    await storage.delete(to);
    expect(await (await storage.get(from))!.text()).toBe("two");
  });

  it("updateMetadata rewrites the fields in place and keeps the bytes", async () => {
    const name = key("meta");
    const body = patterned(100_000, 3);
    await storage.put(name, body, { contentType: "application/octet-stream", metadata: { v: "1" } });
    const info = await storage.updateMetadata(name, { contentType: "image/webp", metadata: { v: "2" } });
    expect(info).toMatchObject({ contentType: "image/webp", metadata: { v: "2" }, size: body.byteLength });
    expect(sameBytes(await (await storage.get(name))!.bytes(), body)).toBe(true);
  });

  it("a multipart source (no MD5 checksum) copies whole", async () => {
    const from = key("multipart");
    const body = patterned(11 * MiB, 5);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < body.byteLength; offset += MiB) controller.enqueue(body.slice(offset, offset + MiB));
        controller.close();
      },
    });
    const source = await storage.put(from, stream, { contentType: "video/mp4" });
    expect(source.etag).toMatch(/-\d+$/);
    const to = key("multipart-copy");
    const info = await storage.copy(from, to);
    expect(info.size).toBe(body.byteLength);
    expect(info.contentType).toBe("video/mp4");
    expect(sameBytes(await (await storage.get(to))!.bytes(), body)).toBe(true);
  });

  it("above the single-put limit, the copy is a multipart upload (limit lowered to 1 MiB)", async () => {
    const from = key("big");
    const body = patterned(11 * MiB, 9);
    await storage.put(from, body, { contentType: "application/zip", metadata: { k: "v" } });
    const to = key("big-copy");
    const info = await r2Copy(bucket, from, to, {}, { partSize: 5 * MiB, singlePutLimit: MiB });
    expect(info.etag).toMatch(/^[0-9a-f]{32}-3$/);
    expect(info).toMatchObject({ size: body.byteLength, contentType: "application/zip", metadata: { k: "v" } });
    expect(sameBytes(await (await storage.get(to))!.bytes(), body)).toBe(true);
    // A multipart upload cannot be create-only: refused, nothing written.
    const guarded = key("big-guarded");
    await expectCode(r2Copy(bucket, from, guarded, { ifNotExists: true }, { partSize: 5 * MiB, singlePutLimit: MiB }), "TooLarge");
    expect(await bucket.head(guarded)).toBeNull();
  });

  it("a missing source is NotFound and writes nothing", async () => {
    const to = key("dst");
    await expectCode(storage.copy(key("absent"), to), "NotFound");
    expect(await bucket.head(to)).toBeNull();
  });

  it("ifMatch: copies only the version with that etag", async () => {
    const from = key("src");
    const to = key("dst");
    const first = await storage.put(from, "v1");
    await expectCode(storage.copy(from, to, { ifMatch: "0".repeat(32) }), "PreconditionFailed");
    expect(await bucket.head(to)).toBeNull();
    const info = await storage.copy(from, to, { ifMatch: first.etag });
    expect(info.etag).toBe(first.etag);
    await storage.put(from, "v2");
    await expectCode(driver.copy(from, key("dst"), { ifMatch: first.etag }), "PreconditionFailed");
  });

  it("ifNotExists: an existing target is AlreadyExists and stays as it was", async () => {
    const from = key("src");
    const to = key("dst");
    await storage.put(from, "new");
    await storage.put(to, "existing", { contentType: "text/plain" });
    await expectCode(storage.copy(from, to, { ifNotExists: true }), "AlreadyExists");
    expect(await (await storage.get(to))!.text()).toBe("existing");
    const fresh = key("fresh");
    expect((await storage.copy(from, fresh, { ifNotExists: true })).size).toBe(3);
  });

  it("ifNotExists is atomic: of concurrent create-only copies exactly one wins", async () => {
    const to = key("race");
    const sources = await Promise.all(
      [1, 2, 3, 4].map(async (n) => {
        const name = key(`race-src-${n}`);
        await storage.put(name, patterned(200_000, n));
        return name;
      }),
    );
    const results = await Promise.allSettled(sources.map((from) => storage.copy(from, to, { ifNotExists: true })));
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected") expect(isStorageError(result.reason, "AlreadyExists")).toBe(true);
    }
  });

  it("a copy aborted mid-body leaves the previous target", async () => {
    const from = key("src");
    const to = key("dst");
    await storage.put(from, patterned(1 * MiB));
    await storage.put(to, "previous");
    const controller = new AbortController();
    const slow = instrumented({ afterChunk: (index) => index === 3 && controller.abort(new Error("stop")) });
    await expectCode(r2Copy(slow, from, to, { signal: controller.signal }, { partSize: 5 * MiB }), "Aborted");
    expect(await (await storage.get(to))!.text()).toBe("previous");
  });

  it("an already aborted signal is refused before anything is read", async () => {
    const controller = new AbortController();
    controller.abort();
    await expectCode(driver.copy(key("absent"), key("dst"), { signal: controller.signal }), "Aborted");
  });

  it("a metadata rewrite does not overwrite a concurrent write to the key", async () => {
    const name = key("rewrite-race");
    const first = await storage.put(name, "v1", { contentType: "text/plain" });
    const racing = instrumented({ beforePut: async () => void (await bucket.put(name, "v2 written meanwhile")) });
    await expectCode(
      r2Copy(racing, name, name, { ifMatch: first.etag, replace: { contentType: "text/csv", metadata: {} } }, { partSize: 5 * MiB }),
      "PreconditionFailed",
    );
    expect(await (await storage.get(name))!.text()).toBe("v2 written meanwhile");
  });
});

describe("delete with ifMatch, and move", () => {
  it("delete with ifMatch is Unsupported with the reason, and the object stays", async () => {
    const name = key("del");
    const info = await storage.put(name, "kept");
    const error = await expectCode(storage.delete(name, { ifMatch: info.etag }), "Unsupported");
    expect(error.message).toMatch(/delete takes no condition/);
    // The driver refuses a direct call too, instead of deleting unconditionally.
    await expectCode(driver.delete([name], { ifMatch: info.etag }), "Unsupported");
    expect(await (await storage.get(name))!.text()).toBe("kept");
  });

  it("move is Unsupported (it needs deleteIfMatch), and neither key changes", async () => {
    const from = key("move-src");
    const to = key("move-dst");
    await storage.put(from, "source");
    const error = await expectCode(storage.move(from, to), "Unsupported");
    expect(error.message).toMatch(/deleteIfMatch/);
    expect(error.message).toMatch(/delete takes no condition/);
    expect(await (await storage.get(from))!.text()).toBe("source");
    expect(await bucket.head(to)).toBeNull();
  });
});
