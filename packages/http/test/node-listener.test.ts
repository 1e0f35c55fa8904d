import { connect, type Socket } from "node:net";
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

/**
 * A raw HTTP/1.1 client that sends `head` and then streams up to `total`
 * bytes of body (chunked when `chunked`) as fast as the server takes them,
 * until the server closes the connection. Resolves with what it read back
 * and how much it managed to write.
 */
function streamUpload(url: string, head: string, total: number, chunked: boolean) {
  const { hostname, port } = new URL(url);
  return new Promise<{ response: string; written: number; closedBy: string }>((resolve) => {
    const socket = connect(Number(port), hostname);
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    const frame = chunked ? Buffer.concat([Buffer.from(`${chunk.byteLength.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]) : chunk;
    let response = "";
    let written = 0;
    let closedBy = "close";
    socket.on("data", (data: Buffer) => (response += data.toString("latin1")));
    socket.on("error", (error: NodeJS.ErrnoException) => (closedBy = error.code ?? "error"));
    socket.on("close", () => resolve({ response, written, closedBy }));
    socket.write(head);
    const pump = () => {
      while (written < total && !socket.destroyed) {
        written += chunk.byteLength;
        if (!socket.write(frame)) return void socket.once("drain", pump);
      }
      if (socket.destroyed) return;
      if (chunked) socket.end("0\r\n\r\n");
      else socket.end();
    };
    pump();
  });
}

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

  it("stops reading after an early answer (403, 413): a client streaming 300 MiB is cut off, not drained", async () => {
    const driver = memoryDriver({ signing: { secrets, baseUrl: "http://placeholder/__storage" } });
    const storage = createStorage(driver);
    const handler = createSignedUrlHandler(storage, { secrets, basePath: "/__storage" });
    served = await serveHandler(handler);
    const serverSockets: Socket[] = [];
    served.server.on("connection", (socket: Socket) => serverSockets.push(socket));
    const total = 300 * 1024 * 1024;
    const limited = new URL((await storage.signPut("limited.bin", { maxSize: 1024 * 1024 })).url);
    const forged = new URL((await storage.signPut("forged.bin")).url);
    forged.searchParams.set("sig", "A".repeat(43));
    const cases = [
      { name: "bad signature, declared length", path: forged, chunked: false, status: 403 },
      { name: "bad signature, chunked", path: forged, chunked: true, status: 403 },
      { name: "declared length over maxSize", path: limited, chunked: false, status: 413 },
      { name: "chunked body past maxSize", path: limited, chunked: true, status: 413 },
    ];
    for (const { name, path, chunked, status } of cases) {
      const before = serverSockets.length;
      const length = chunked ? "transfer-encoding: chunked" : `content-length: ${total}`;
      const head = `PUT ${path.pathname}${path.search} HTTP/1.1\r\nhost: 127.0.0.1\r\n${length}\r\n\r\n`;
      const result = await streamUpload(served.url, head, total, chunked);
      expect(result.response, name).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(result.response.toLowerCase(), name).toContain("connection: close");
      expect(result.response, name).toContain(status === 403 ? "InvalidSignature" : "TooLarge");
      const serverSocket = serverSockets[before]!;
      expect(serverSocket, name).toBeDefined();
      if (!serverSocket.destroyed) await new Promise((resolve) => serverSocket.once("close", resolve));
      // The server read at most a few MiB of the 300 (socket buffers in flight), and the client could not send it all.
      expect(serverSocket.bytesRead, name).toBeLessThan(32 * 1024 * 1024);
      expect(result.written, name).toBeLessThan(total);
    }
    expect(await storage.head("limited.bin")).toBeNull();
    expect(await storage.head("forged.bin")).toBeNull();
  });

  it("keeps the connection for the next request when the body was read to the end", async () => {
    const driver = memoryDriver({ signing: { secrets, baseUrl: "http://placeholder/__storage" } });
    const storage = createStorage(driver);
    served = await serveHandler(createSignedUrlHandler(storage, { secrets, basePath: "/__storage" }));
    const connections: Socket[] = [];
    served.server.on("connection", (socket: Socket) => connections.push(socket));
    let requests = "";
    for (const key of ["one.txt", "two.txt"]) {
      const url = new URL((await storage.signPut(key)).url);
      requests += `PUT ${url.pathname}${url.search} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 5\r\n\r\nhello`;
    }
    const { hostname, port } = new URL(served.url);
    const socket = connect(Number(port), hostname);
    let received = "";
    await new Promise<void>((resolve, reject) => {
      socket.on("data", (data: Buffer) => {
        received += data.toString("latin1");
        if (received.match(/HTTP\/1\.1 200 /g)?.length === 2 && received.includes("two.txt")) resolve();
      });
      socket.on("error", reject);
      socket.on("close", () => reject(new Error(`closed after: ${received}`)));
      socket.write(requests);
    });
    socket.destroy();
    expect(received.toLowerCase()).not.toContain("connection: close");
    expect(connections).toHaveLength(1);
    expect(await (await storage.get("two.txt"))!.text()).toBe("hello");
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
