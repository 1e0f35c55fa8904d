import { describe, expect, it } from "vitest";
import { createStorage, StorageError } from "@stowage/core";
import { azureDriver } from "@stowage/azure";
import { storageCodeOf } from "../src/map-azure-error.ts";
import { uncommittedBlocks } from "../src/block-list.ts";
import { base64ToBytes } from "../src/shared-key.ts";
import { decodeBlockId } from "../src/block-ids.ts";
import { azureEnvironment, testDriver } from "./azurite-environment.ts";

const environment = azureEnvironment();
const run = environment === null ? describe.skip : describe;
const prefix = `driver-test/${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}/`;

/** A stream of `blocks` chunks of `size` bytes that then errors. */
function failingStream(blocks: number, size: number, error: Error): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === blocks) controller.error(error);
      else controller.enqueue(new Uint8Array(size).fill(65 + sent++));
    },
  });
}

async function rejection(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof StorageError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("error mapping (status and x-ms-error-code)", () => {
  it("maps Azure codes and bare statuses", () => {
    expect(storageCodeOf(404, "BlobNotFound")).toBe("NotFound");
    expect(storageCodeOf(404, "ContainerNotFound")).toBe("NotFound");
    expect(storageCodeOf(412, "ConditionNotMet")).toBe("PreconditionFailed");
    expect(storageCodeOf(409, "BlobAlreadyExists")).toBe("AlreadyExists");
    expect(storageCodeOf(403, "AuthenticationFailed")).toBe("PermissionDenied");
    expect(storageCodeOf(416, "InvalidRange")).toBe("RangeNotSatisfiable");
    expect(storageCodeOf(503, "ServerBusy")).toBe("Unavailable");
    expect(storageCodeOf(500, "")).toBe("Unavailable");
    expect(storageCodeOf(409, "LeaseIdMissing")).toBe("Unknown");
  });
});

run("azure driver on Azurite", () => {
  const env = environment!;

  it("an upload whose stream errors after 2 blocks leaves no blob, and the previous blob intact", async () => {
    const driver = testDriver(env, { blockSize: 1024 });
    const storage = createStorage(driver);
    const fresh = `${prefix}aborted-fresh`;
    const failure = new Error("the source broke");
    const freshError = await rejection(storage.put(fresh, failingStream(3, 1024, failure)));
    expect(freshError.cause ?? freshError).toBeDefined();
    expect(await storage.head(fresh)).toBeNull();
    expect((await storage.list({ prefix: fresh })).objects).toEqual([]);

    const existing = `${prefix}aborted-existing`;
    await storage.put(existing, "the old body");
    await rejection(storage.put(existing, failingStream(3, 1024, failure)));
    const kept = await storage.get(existing);
    expect(await kept!.text()).toBe("the old body");
  });

  it("an aborted staged put leaves its blocks uncommitted with 64-byte ids of kind b, and no blob", async () => {
    const driver = testDriver(env, { blockSize: 1024 });
    const key = `${prefix}aborted-64`;
    await rejection(createStorage(driver).put(key, failingStream(3, 1024, new Error("broke"))));
    expect(await driver.head(key)).toBeNull();
    const blocks = await uncommittedBlocks({ client: driver.raw, container: driver.container }, key, "test");
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const block of blocks) {
      expect(base64ToBytes(block.name).byteLength).toBe(64);
      expect(decodeBlockId(block.name)?.kind).toBe("b");
    }
  });

  it("a staged upload of several blocks round-trips", async () => {
    const storage = createStorage(testDriver(env, { blockSize: 1024 }));
    const bytes = new Uint8Array(5000).map((_, index) => index % 251);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < bytes.length; offset += 700) controller.enqueue(bytes.slice(offset, offset + 700));
        controller.close();
      },
    });
    const info = await storage.put(`${prefix}staged`, stream, { contentType: "text/x-staged", metadata: { "a-b": "c" } });
    expect(info.size).toBe(5000);
    const read = await storage.get(`${prefix}staged`);
    expect(await read!.bytes()).toEqual(bytes);
    expect(read!.contentType).toBe("text/x-staged");
    expect(read!.metadata).toEqual({ "a-b": "c" });
  });

  it("a long staged upload reuses concurrency + 1 block buffers and sends each block as a stream with its length", async () => {
    const driver = azureDriver({ ...env, blockSize: 1024, concurrency: 2 });
    const buffers = new Set<ArrayBufferLike>();
    const send = driver.raw.request.bind(driver.raw);
    driver.raw.request = async (request) => {
      if (request.query?.comp === "block") {
        expect(request.body).toBeInstanceOf(ReadableStream);
        const chunks: Uint8Array[] = [];
        const reader = (request.body as ReadableStream<Uint8Array>).getReader();
        for (let read = await reader.read(); !read.done; read = await reader.read()) chunks.push(read.value);
        for (const chunk of chunks) buffers.add(chunk.buffer);
        expect(request.length).toBe(chunks.reduce((total, chunk) => total + chunk.byteLength, 0));
        return send({ ...request, body: new Blob(chunks as BlobPart[]).stream() as ReadableStream<Uint8Array> });
      }
      return send(request);
    };
    const bytes = new Uint8Array(40 * 1024 + 5).map((_, index) => (index * 7) % 253);
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(offset, offset + 300));
        offset += 300;
      },
    });
    const storage = createStorage(driver);
    await storage.put(`${prefix}pooled`, stream);
    expect(await (await storage.get(`${prefix}pooled`))!.bytes()).toEqual(bytes);
    // 41 blocks, sent through at most 3 buffers (one filling, two in flight).
    expect(buffers.size).toBeGreaterThan(0);
    expect(buffers.size).toBeLessThanOrEqual(3);
  });

  it("refuses with InvalidKey the keys Azure would store under another name, and stores nothing", async () => {
    const storage = createStorage(testDriver(env));
    for (const key of ["back\\slash", "trailing.", "dir./file", "...", "c1\u0085control"]) {
      const error = await rejection(storage.put(`${prefix}${key}`, "x"));
      expect([error.code, key]).toEqual(["InvalidKey", key]);
    }
    for (const key of ["a..b", ".hidden", "name.ext/child", "a.b.c"]) {
      await storage.put(`${prefix}${key}`, key);
      expect(await (await storage.get(`${prefix}${key}`))!.text()).toBe(key);
    }
    const listed = await storage.list({ prefix });
    expect(listed.objects.map((item) => item.key.slice(prefix.length)).filter((key) => /back|trailing|dir\.|^\.\.\.$|c1/.test(key))).toEqual([]);
  });

  it("metadata with every kind of legal name round-trips through Azurite", async () => {
    const storage = createStorage(testDriver(env));
    const metadata = { "-": "1", "0": "2", "a--b": "3", "trailing-": "4", "9-lead": "5", x: "inner  spaces", "x-d": "6", a0: "7", "a-1": "8" };
    await storage.put(`${prefix}meta`, "m", { metadata });
    expect((await storage.head(`${prefix}meta`))!.metadata).toEqual(metadata);
    const listed = await storage.list({ prefix: `${prefix}meta` });
    expect(listed.objects[0]!.metadata).toEqual(metadata);
  });

  it("maps real Azurite errors", async () => {
    const driver = testDriver(env);
    const key = `${prefix}errors`;
    const put = await driver.put(key, new TextEncoder().encode("x"), { contentType: "text/plain", metadata: {} });
    expect((await rejection(driver.put(key, new Uint8Array(1), { contentType: "a/b", metadata: {}, ifNotExists: true }))).code).toBe("AlreadyExists");
    expect((await rejection(driver.put(key, new Uint8Array(1), { contentType: "a/b", metadata: {}, ifMatch: `${put.etag}x` }))).code).toBe("PreconditionFailed");
    expect((await rejection(driver.delete([key], { ifMatch: "0x0" }))).code).toBe("PreconditionFailed");
    expect((await rejection(driver.get(key, { range: { offset: 5 } }))).code).toBe("RangeNotSatisfiable");
    expect((await rejection(driver.copy(`${prefix}missing`, `${prefix}copy`, {}))).code).toBe("NotFound");

    const wrongKey = azureDriver({ ...env, accountKey: Buffer.from("w".repeat(64)).toString("base64") });
    const denied = await rejection(wrongKey.head(key, {}));
    expect(denied.code).toBe("PermissionDenied");
    const noContainer = azureDriver({ ...env, container: "no-such-container" });
    const missing = await rejection(noContainer.put("k", new Uint8Array(1), { contentType: "a/b", metadata: {} }));
    expect(missing.code).toBe("NotFound");
    expect(missing.message).toMatch(/ContainerNotFound/);
  });
});
