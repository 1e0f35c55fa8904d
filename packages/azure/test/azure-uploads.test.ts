import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHmacSigner, createStorage, StorageError, type Storage } from "@stowage/core";
import { azureDriver, AzureRestClient, type AzureDriver } from "@stowage/azure";
import { uncommittedBlocks } from "../src/block-list.ts";
import { azureEnvironment } from "./azurite-environment.ts";
import { gatewayDriver } from "./gateway-environment.ts";

const environment = azureEnvironment();
const run = environment === null ? describe.skip : describe;
const prefix = `uploads-test/${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}/`;
const signer = () => createHmacSigner({ secrets: [{ id: "t", secret: "azure-uploads-test-secret-0123456789abcdef" }], baseUrl: "http://127.0.0.1:1/__storage" });

async function rejection(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof StorageError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

function bytes(size: number, seed: number): Uint8Array {
  return new Uint8Array(size).map((_, index) => (index * 7 + seed) % 251);
}

/** A stream of `chunks` chunks of 100 bytes, then `end`: close, or error with it. */
function streamOf(chunks: number, end: Error | "close"): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent < chunks) controller.enqueue(bytes(100, sent++));
      else if (end === "close") controller.close();
      else controller.error(end);
    },
  });
}

describe("azure upload capabilities", () => {
  const account = { endpoint: "http://127.0.0.1:1/devstoreaccount1", accountName: "devstoreaccount1", accountKey: btoa("k".repeat(32)), container: "c-test" };

  it("are off with a SAS driver, with hints naming gateway signing and why SAS cannot", () => {
    const driver = azureDriver(account);
    for (const name of ["multipartUpload", "signUploadPart", "uploadIfNotExists"] as const) {
      expect(driver.capabilities[name]).toBe(false);
      expect(driver.capabilityHints[name]).toMatch(/createHmacSigner/);
    }
    expect(driver.capabilityHints.signUploadPart).toMatch(/SAS cannot bind a block id/);
  });

  it("are on with a gateway signer, with either credential form, and every signPut constraint", () => {
    for (const driver of [
      azureDriver({ ...account, signing: signer() }),
      azureDriver({ container: "c-test", client: new AzureRestClient(account), signing: signer() }),
    ]) {
      for (const name of ["multipartUpload", "signUploadPart", "uploadIfNotExists", "signPutMaxSize", "signPutOneTime", "signPutIfNotExists", "signGetExpiry"] as const) {
        expect(driver.capabilities[name]).toBe(true);
      }
      expect(driver.capabilityHints.multipartUpload).toBeUndefined();
      expect(driver.uploadLimits).toEqual({ minPartSize: 1024 * 1024, maxPartSize: 4000 * 1024 * 1024, maxParts: 50_000, equalParts: false });
    }
  });

  it("refuses a signing option that is not a UrlSigner", () => {
    expect(() => azureDriver({ ...account, signing: { secrets: [] } as never })).toThrow(/createHmacSigner/);
  });
});

run("azure upload sessions on Azurite (gateway mode)", () => {
  let driver: AzureDriver;
  let storage: Storage;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ driver, close } = await gatewayDriver(environment!));
    storage = createStorage(driver);
  });
  afterAll(() => close?.());

  it("a put of the key during a session ends it: complete and uploadPart give NotFound saying the key was written", async () => {
    const key = `${prefix}overwritten`;
    const session = await storage.uploads.create(key, { size: 300 });
    await driver.uploadPart(key, session.uploadId, 1, bytes(300, 1), { size: 300 });
    await storage.put(key, "written meanwhile");
    const completed = await rejection(storage.uploads.complete(session));
    expect(completed.code).toBe("NotFound");
    expect(completed.message).toMatch(/written while the upload was in progress/);
    const part = await rejection(driver.uploadPart(key, session.uploadId, 1, bytes(300, 2), { size: 300 }));
    expect(part.code).toBe("NotFound");
    expect(await (await storage.get(key))!.text()).toBe("written meanwhile");
  });

  it("another session's complete of the key ends this one: its complete gives NotFound saying the key was written, and it is not listed", async () => {
    const key = `${prefix}two-sessions/key`;
    const [first, second] = [await storage.uploads.create(key, { size: 100 }), await storage.uploads.create(key, { size: 100 })];
    await driver.uploadPart(key, first.uploadId, 1, bytes(100, 7), { size: 100 });
    await driver.uploadPart(key, second.uploadId, 1, bytes(100, 8), { size: 100 });
    expect((await storage.uploads.list({ prefix: `${prefix}two-sessions/` })).length).toBe(2);
    await storage.uploads.complete(first);
    const lost = await rejection(storage.uploads.complete(second));
    expect(lost.code).toBe("NotFound");
    expect(lost.message).toMatch(/written while the upload was in progress/);
    expect(await storage.uploads.list({ prefix: `${prefix}two-sessions/` })).toEqual([]);
    expect(await (await storage.get(key))!.bytes()).toEqual(bytes(100, 7));
  });

  it("after abort, uploadPart, listParts and complete give NotFound, and a second abort succeeds", async () => {
    const key = `${prefix}aborted`;
    const session = await storage.uploads.create(key, { size: 200 });
    await driver.uploadPart(key, session.uploadId, 1, bytes(200, 3), { size: 200 });
    await storage.uploads.abort(session);
    expect((await rejection(driver.uploadPart(key, session.uploadId, 1, bytes(200, 4), { size: 200 }))).code).toBe("NotFound");
    expect((await rejection(storage.uploads.listParts(session))).code).toBe("NotFound");
    expect((await rejection(storage.uploads.complete(session))).code).toBe("NotFound");
    await storage.uploads.abort(session);
    expect(await storage.head(key)).toBeNull();
  });

  it("a stale part etag at complete is InvalidArgument naming the part; the latest one completes", async () => {
    const key = `${prefix}stale`;
    const session = await storage.uploads.create(key, { size: 150 });
    const first = await driver.uploadPart(key, session.uploadId, 1, bytes(150, 5), { size: 150 });
    const second = await driver.uploadPart(key, session.uploadId, 1, bytes(150, 6), { size: 150 });
    expect(second.etag).not.toBe(first.etag);
    expect((await storage.uploads.listParts(session)).map((part) => part.etag)).toEqual([second.etag]);
    // Storage checks the etags against listParts first; the driver refuses on its own too (S3's InvalidPart).
    expect((await rejection(storage.uploads.complete(session, [{ partNumber: 1, etag: first.etag }]))).code).toBe("InvalidArgument");
    const stale = await rejection(driver.completeUpload(key, session.uploadId, [{ partNumber: 1, etag: first.etag }], {}));
    expect(stale.code).toBe("InvalidArgument");
    expect(stale.message).toMatch(/part 1/);
    const missing = await rejection(driver.completeUpload(key, session.uploadId, [{ partNumber: 2, etag: second.etag }], {}));
    expect([missing.code, missing.message]).toEqual(["InvalidArgument", expect.stringMatching(/part 2 .*was not uploaded/)]);
    await storage.uploads.complete(session, [{ partNumber: 1, etag: second.etag }]);
    expect(await (await storage.get(key))!.bytes()).toEqual(bytes(150, 6));
  });

  it("listUploads finds a session on a key that also has a committed object, and the object stays readable", async () => {
    const key = `${prefix}listed/existing`;
    await storage.put(key, "committed");
    const session = await storage.uploads.create(key, { size: 10, metadata: { a: "b" } });
    const listed = await storage.uploads.list({ prefix: `${prefix}listed/` });
    expect(listed.map((upload) => [upload.key, upload.uploadId])).toEqual([[key, session.uploadId]]);
    expect(listed[0]!.initiated.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(await (await storage.get(key))!.text()).toBe("committed");
    await storage.uploads.abort(session);
    expect(await storage.uploads.list({ prefix: `${prefix}listed/` })).toEqual([]);
  });

  it("a part stream that errors, or is shorter or longer than its size, stages nothing", async () => {
    const key = `${prefix}failing-part`;
    const session = await storage.uploads.create(key, { size: 500 });
    const broke = new Error("the client went away");
    expect(await driver.uploadPart(key, session.uploadId, 1, streamOf(4, broke), { size: 500 }).catch((error: unknown) => error)).toBe(broke);
    expect((await rejection(driver.uploadPart(key, session.uploadId, 1, streamOf(4, "close"), { size: 500 }))).code).toBe("InvalidArgument");
    expect((await rejection(driver.uploadPart(key, session.uploadId, 1, streamOf(6, "close"), { size: 500 }))).code).toBe("InvalidArgument");
    expect(await storage.uploads.listParts(session)).toEqual([]);
    const staged = await uncommittedBlocks({ client: driver.raw, container: driver.container }, key, "test");
    expect(staged.every((block) => block.size === 1)).toBe(true);
    await driver.uploadPart(key, session.uploadId, 1, streamOf(5, "close"), { size: 500 });
    expect((await storage.uploads.listParts(session)).map((part) => part.size)).toEqual([500]);
    await storage.uploads.abort(session);
  });

  it("a part whose signal aborts while its body stalls gives Aborted and stages nothing", async () => {
    const key = `${prefix}aborted-part`;
    const session = await storage.uploads.create(key, { size: 300 });
    let sent = false;
    const stalled = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (!sent) controller.enqueue(bytes(200, 9));
        sent = true;
        return new Promise(() => {});
      },
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const aborted = await rejection(driver.uploadPart(key, session.uploadId, 1, stalled, { size: 300, signal: controller.signal }));
    expect(aborted.code).toBe("Aborted");
    expect(await storage.uploads.listParts(session)).toEqual([]);
    await storage.uploads.abort(session);
  });

  it("a key holding uncommitted blocks with ids of another length gives an error that says so, for createUpload and a staged put", async () => {
    const key = `${prefix}foreign-blocks`;
    const foreign = await driver.raw.request({ method: "PUT", path: `${driver.container}/${key}`, query: { comp: "block", blockid: btoa("an-older-39-byte-id-0123456789-abcdefgh") }, body: new Uint8Array(1) });
    expect(foreign.status).toBe(201);
    const created = await rejection(storage.uploads.create(key, { size: 10 }));
    expect(created.message).toMatch(/ids of another length/);
    const big = new ReadableStream<Uint8Array>({ start: (controller) => (controller.enqueue(new Uint8Array(5 * 1024 * 1024)), controller.enqueue(new Uint8Array(1)), controller.close()) });
    expect((await rejection(storage.put(key, big))).message).toMatch(/ids of another length/);
  });

  it("an empty upload completes into an empty object", async () => {
    const key = `${prefix}empty`;
    const session = await storage.uploads.create(key, { size: 0, contentType: "text/x-empty" });
    expect((await rejection(driver.uploadPart(key, session.uploadId, 1, streamOf(1, "close"), { size: 0 }))).code).toBe("InvalidArgument");
    await driver.uploadPart(key, session.uploadId, 1, streamOf(0, "close"), { size: 0 });
    const info = await storage.uploads.complete(session);
    expect(info.size).toBe(0);
    const head = await storage.head(key);
    expect([head?.size, head?.contentType]).toEqual([0, "text/x-empty"]);
  });
});
