import { afterEach, describe, expect, it } from "vitest";
import { createStorage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { createSignedUrlHandler } from "@stowage/http";
import { serveHandler, type ServedHandler } from "@stowage/http/node";

const secrets = [{ id: "test", secret: "node-listener-secret-0123456789abcdef" }];
let served: ServedHandler | undefined;

afterEach(async () => {
  await served?.close();
  served = undefined;
});

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

describe("toNodeListener / serveHandler", () => {
  it("streams the request body: the handler reads the first chunk before the client sends the rest", async () => {
    served = await serveHandler(async (request) => {
      const reader = request.body!.getReader();
      const { value } = await reader.read();
      await reader.cancel();
      return new Response(`first chunk: ${new TextDecoder().decode(value)}`);
    });
    // The client never ends its body: a buffering adapter would wait forever.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("hello"));
      },
    });
    const response = await fetch(served.url, { method: "PUT", body, duplex: "half" } as RequestInit);
    expect(await response.text()).toBe("first chunk: hello");
  });

  it("a client that aborts an upload stores nothing", async () => {
    const driver = memoryDriver({ signing: { secrets, baseUrl: "http://placeholder/__storage" } });
    const storage = createStorage(driver);
    const handler = createSignedUrlHandler(storage, { secrets, basePath: "/__storage" });
    const finished = deferred<Response>();
    const started = deferred();
    served = await serveHandler(async (request) => {
      started.resolve();
      const response = await handler(request);
      finished.resolve(response);
      return response;
    });
    const signed = await storage.signPut("aborted.bin");
    const url = signed.url.replace("http://placeholder", served.url);
    const aborter = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(1024));
      },
    });
    const upload = fetch(url, { method: "PUT", body, duplex: "half", signal: aborter.signal } as RequestInit).catch((error: unknown) => error);
    await started.promise;
    await new Promise((resolve) => setTimeout(resolve, 50));
    aborter.abort();
    expect(await upload).toBeInstanceOf(Error);
    const response = await finished.promise;
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("Aborted");
    expect(await storage.head("aborted.bin")).toBeNull();
  });

  it("answers 413 to large uploads over maxSize, declared or chunked, and keeps serving", async () => {
    const driver = memoryDriver({ signing: { secrets, baseUrl: "http://placeholder/__storage" } });
    const storage = createStorage(driver);
    const handler = createSignedUrlHandler(storage, { secrets, basePath: "/__storage" });
    served = await serveHandler(handler);
    const big = new Uint8Array(8 * 1024 * 1024);
    for (const chunked of [false, true]) {
      const signed = await storage.signPut("big.bin", { maxSize: 1024 });
      const url = signed.url.replace("http://placeholder", served.url);
      let offset = 0;
      const body = chunked
        ? new ReadableStream<Uint8Array>({
            pull(controller) {
              if (offset >= big.byteLength) return controller.close();
              controller.enqueue(big.slice(offset, offset + 65536));
              offset += 65536;
            },
          })
        : big;
      const response = await fetch(url, { method: "PUT", body, duplex: "half" } as RequestInit);
      expect(response.status).toBe(413);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("TooLarge");
    }
    expect(await storage.head("big.bin")).toBeNull();
    const small = await storage.signPut("small.bin", { maxSize: 1024 });
    const response = await fetch(small.url.replace("http://placeholder", served.url), { method: "PUT", body: "fits" });
    expect(response.status).toBe(200);
  });

  it("cancels the response body when the client goes away", async () => {
    const cancelled = deferred<unknown>();
    served = await serveHandler(async () => {
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.enqueue(new Uint8Array(64 * 1024));
        },
        cancel(reason) {
          cancelled.resolve(reason);
        },
      });
      return new Response(stream);
    });
    const aborter = new AbortController();
    const response = await fetch(served.url, { signal: aborter.signal });
    const reader = response.body!.getReader();
    await reader.read();
    aborter.abort();
    await expect(cancelled.promise).resolves.toBeDefined();
  });
});
