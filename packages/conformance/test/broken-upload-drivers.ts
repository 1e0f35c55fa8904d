import { StorageError, createStorage, type DriverPutBody, type StorageDriver } from "@stowage/core";
import { memoryDriver, type MemoryDriver } from "@stowage/memory";
import { createSignedUrlHandler } from "@stowage/http";
import type { DriverFixture } from "@stowage/conformance";
import { wrapDriver, type WrapDriverOptions } from "../src/wrap-driver.ts";

// Deliberately broken multipart upload sessions: the memory driver with
// signing, its part URLs served in process by @stowage/http's handler, with
// one realistic bug each (in the driver the cases use, in the driver the
// handler stages parts through, or in the handler in front of it).

const secrets = [{ id: "mutations", secret: "mutation-test-secret-0123456789abcdef" }];
const basePath = "/__storage";

type UploadPart = (key: string, uploadId: string, partNumber: number, body: DriverPutBody, options: { size?: number; signal?: AbortSignal }) => Promise<{ etag: string; size: number }>;
type Fetch = (request: Request) => Promise<Response>;

interface UploadBreakage {
  /** Replaced methods of the driver the cases use (they may call `driver`). */
  methods?: (driver: MemoryDriver) => WrapDriverOptions["methods"];
  /** Replaces the `uploadPart` the handler stages parts through. */
  uploadPart?: (driver: MemoryDriver) => UploadPart;
  /** The handler's clock. */
  clock?: () => number;
  /** What the fixture's fetch does in front of the handler. */
  fetch?: (driver: MemoryDriver, handler: Fetch) => Fetch;
}

function brokenUploads(breakage: UploadBreakage): () => DriverFixture {
  return () => {
    const driver = memoryDriver({ signing: { secrets, baseUrl: `http://127.0.0.1:9${basePath}` } });
    const staging = Object.create(driver) as StorageDriver;
    if (breakage.uploadPart !== undefined) Object.defineProperty(staging, "uploadPart", { value: breakage.uploadPart(driver) });
    const handler = createSignedUrlHandler(createStorage(breakage.uploadPart === undefined ? driver : staging), {
      secrets,
      basePath,
      ...(breakage.clock === undefined ? {} : { clock: breakage.clock }),
    });
    const methods = breakage.methods?.(driver);
    return {
      driver: wrapDriver(driver, methods === undefined ? {} : { methods }),
      fetch: breakage.fetch?.(driver, handler) ?? ((request) => handler(request)),
    };
  };
}

/** A part's staged bytes, read back from the memory store. */
function stagedBytes(driver: MemoryDriver, uploadId: string, partNumber: number): Uint8Array {
  const part = driver.raw.uploads.get(uploadId)?.parts.get(partNumber);
  if (part === undefined) throw new StorageError("NotFound", `no part ${partNumber} staged`);
  return part.bytes;
}

export const brokenUploadDrivers: Record<string, () => DriverFixture> = {
  "createUpload makes an empty object visible at the key until complete": brokenUploads({
    methods: (driver) => ({
      createUpload: async (key, options) => {
        const created = await driver.createUpload(key, options);
        await driver.put(key, new Uint8Array(0), { contentType: options.contentType, metadata: options.metadata });
        return created;
      },
    }),
  }),
  "uploadPart stages each part as an object next to the key": brokenUploads({
    uploadPart: (driver) => async (key, uploadId, partNumber, body, options) => {
      const part = await driver.uploadPart(key, uploadId, partNumber, body, options);
      await driver.put(`${key}.part-${partNumber}`, stagedBytes(driver, uploadId, partNumber), { contentType: "application/octet-stream", metadata: {} });
      return part;
    },
  }),
  "completeUpload joins the parts in the order they arrived": brokenUploads({
    methods: (driver) => ({
      completeUpload: async (key, uploadId, parts, options) => {
        const staged = driver.raw.uploads.get(uploadId);
        const arrived = staged === undefined ? [] : [...staged.parts.values()].map((part) => part.bytes);
        const info = await driver.completeUpload(key, uploadId, parts, options);
        const joined = new Uint8Array(arrived.reduce((total, bytes) => total + bytes.byteLength, 0));
        let offset = 0;
        for (const bytes of arrived) {
          joined.set(bytes, offset);
          offset += bytes.byteLength;
        }
        return driver.put(key, joined, { contentType: info.contentType, metadata: info.metadata });
      },
    }),
  }),
  "completeUpload of a one-part upload stores an empty object": brokenUploads({
    methods: (driver) => ({
      completeUpload: async (key, uploadId, parts, options) => {
        const info = await driver.completeUpload(key, uploadId, parts, options);
        if (parts.length !== 1) return info;
        return driver.put(key, new Uint8Array(0), { contentType: info.contentType, metadata: info.metadata });
      },
    }),
  }),
  "signUploadPart drops the signed size": brokenUploads({
    methods: (driver) => ({
      signUploadPart: (key, uploadId, partNumber, options) => {
        const { size: _size, ...rest } = options;
        return driver.signUploadPart(key, uploadId, partNumber, rest);
      },
    }),
  }),
  "abortUpload does nothing": brokenUploads({
    methods: () => ({ abortUpload: async () => {} }),
  }),
  "completeUpload ignores ifNotExists": brokenUploads({
    methods: (driver) => ({
      completeUpload: (key, uploadId, parts, options) => driver.completeUpload(key, uploadId, parts, { ...options, ifNotExists: false }),
    }),
  }),
  "the part handler's clock runs hours behind (expired URLs work)": brokenUploads({
    clock: () => Date.now() - 3 * 3_600_000,
  }),
  "the part handler trusts a part URL's claims without checking its signature": brokenUploads({
    fetch: (driver, handler) => async (request) => {
      // Re-signs whatever the URL claims, with a fresh expiry: as if the signature were never checked.
      const url = new URL(request.url);
      const uploadId = url.searchParams.get("upload-id");
      const partNumber = Number(url.searchParams.get("part"));
      if (uploadId === null || !url.pathname.startsWith(`${basePath}/`)) return handler(request);
      const key = url.pathname.slice(basePath.length + 1).split("/").map(decodeURIComponent).join("/");
      const size = url.searchParams.get("size");
      const now = new Date();
      const resigned = await driver
        .signUploadPart(key, uploadId, partNumber, { expiresIn: 3600, now, expiresAt: new Date(now.getTime() + 3_600_000), ...(size === null ? {} : { size: Number(size) }) })
        .catch(() => undefined);
      if (resigned === undefined) return handler(request);
      return handler(new Request(resigned.url, { method: request.method, headers: request.headers, body: await request.arrayBuffer() }));
    },
  }),
};
