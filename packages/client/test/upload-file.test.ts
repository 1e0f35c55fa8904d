// uploadFile against a real server (test/upload-routes-server.ts): the
// upload routes of @stowage/http's createUploadRoutes over storage.uploads of
// a memory driver, and part PUTs served by @stowage/http's
// createSignedUrlHandler on node:http. Node's fetch is the transport (no
// XMLHttpRequest here).
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  fetchTransport,
  httpUploadRoutes,
  memorySessionStore,
  uploadFile,
  UploadError,
  type PartTransport,
  type UploadFileOptions,
  type UploadFileProgress,
  type UploadRouteFunctions,
} from "../src/index.ts";
import { sizeChangingFetch, startUploadServer, type UploadServer, type UploadServerOptions } from "./upload-routes-server.ts";

const MiB = 1024 * 1024;
/** How long the routes' part URLs last: core's default for signParts, 1 hour. */
const partUrlMs = 60 * 60_000;
const servers: UploadServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(options: UploadServerOptions = {}): Promise<UploadServer> {
  const server = await startUploadServer({ partSize: 5 * MiB, ...options });
  servers.push(server);
  return server;
}

/** A file of `size` bytes that differ per position (so a misplaced part changes the hash). */
function makeFile(size: number, name = "video.mp4"): File {
  const bytes = new Uint8Array(size);
  let state = 0x12345678;
  for (let index = 0; index < size; index += 4) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[index] = state & 0xff;
    if (index + 1 < size) bytes[index + 1] = (state >>> 8) & 0xff;
    if (index + 2 < size) bytes[index + 2] = (state >>> 16) & 0xff;
    if (index + 3 < size) bytes[index + 3] = state >>> 24;
  }
  return new File([bytes], name, { type: "video/mp4", lastModified: 1_700_000_000_000 });
}

async function sha256(data: Blob | Uint8Array): Promise<string> {
  const bytes = data instanceof Blob ? new Uint8Array(await data.arrayBuffer()) : data;
  return createHash("sha256").update(bytes).digest("hex");
}

async function storedHash(server: UploadServer, key: string): Promise<string> {
  const object = await server.storage.get(key);
  expect(object).not.toBeNull();
  return sha256(await object!.bytes());
}

/** Options for a test: the server's routes, fetch parts, no waiting between retries. */
function base(server: UploadServer, extra: Partial<UploadFileOptions> = {}): UploadFileOptions & { delays: number[] } {
  const delays: number[] = [];
  return {
    routes: server.baseUrl,
    transport: fetchTransport(fetch),
    store: null,
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
    delays,
    ...extra,
  };
}

async function failure(promise: Promise<unknown>): Promise<UploadError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(UploadError);
  return error as UploadError;
}

describe("uploadFile", () => {
  it("round-trips 21 MiB in 5 MiB parts byte-exact, with the object info of complete", async () => {
    const server = await serve();
    const file = makeFile(21 * MiB);
    const result = await uploadFile(file, base(server)).promise;
    expect(result).toMatchObject({ key: "uploads/video.mp4", size: 21 * MiB, contentType: "video/mp4", parts: 5 });
    expect(await storedHash(server, result.key)).toBe(await sha256(file));
    const head = await server.storage.head(result.key);
    expect(result.etag).toBe(head!.etag);
    expect([...server.putsByPart.entries()].sort(([a], [b]) => a - b)).toEqual([1, 2, 3, 4, 5].map((part) => [part, 1]));
    expect(server.routeCalls[0]).toBe("create");
    expect(server.routeCalls.at(-1)).toBe("complete");
  });

  it("never has more parts in flight at the server than the concurrency, and signs just in time in batches", async () => {
    const server = await serve({ partSize: 5 * MiB, partDelayMs: 40 });
    const file = makeFile(40 * MiB + 3);
    const result = await uploadFile(file, base(server, { concurrency: 2, signBatchSize: 2 })).promise;
    expect(result.parts).toBe(9);
    expect(server.maxInFlight).toBe(2);
    expect(await storedHash(server, result.key)).toBe(await sha256(file));
    // 9 parts in batches of at most 2, never all at once up front
    expect(server.signCalls).toEqual([[1, 2], [3, 4], [5, 6], [7, 8], [9]]);
  });

  it("retries dropped connections, 500, 503 and 429 with growing delays and still stores the right bytes", async () => {
    const faults: Record<number, (string | number)[]> = { 1: ["drop"], 2: [500, 503], 4: [429] };
    const server = await serve({ fault: (part, attempt) => (faults[part]?.[attempt - 1] as "drop" | number | undefined) ?? "pass" });
    const file = makeFile(21 * MiB);
    const options = base(server, { retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 } });
    const result = await uploadFile(file, options).promise;
    expect(await storedHash(server, result.key)).toBe(await sha256(file));
    expect(server.putsByPart.get(1)).toBe(2);
    expect(server.putsByPart.get(2)).toBe(3);
    expect(server.putsByPart.get(4)).toBe(2);
    // equal jitter at random() = 0.5: 3/4 of 100, then 3/4 of 200
    expect(options.delays.sort((a, b) => a - b)).toEqual([75, 75, 75, 150]);
  });

  it("gives up after the attempts with Unavailable, keeping the session for a resume", async () => {
    const server = await serve({ fault: (part) => (part === 3 ? 503 : "pass") });
    const store = memorySessionStore();
    const error = await failure(uploadFile(makeFile(21 * MiB), base(server, { store, retry: { attempts: 2 } })).promise);
    expect(error.code).toBe("Unavailable");
    expect(server.putsByPart.get(3)).toBe(2);
    expect(store.entries.size).toBe(1);
    expect(server.routeCalls).not.toContain("abort");
  });

  it("stops at once on a 413 (the part is longer than signed): no retries, the session aborted", async () => {
    // The client announces one byte less than the file has: the routes sign every part for that size.
    const server = await serve();
    const store = memorySessionStore();
    const options = base(server, { store, concurrency: 1, fetch: sizeChangingFetch(-1) });
    const error = await failure(uploadFile(makeFile(21 * MiB), options).promise);
    expect(error.code).toBe("TooLarge");
    expect(error.status).toBe(413);
    expect(server.putsByPart.get(5)).toBe(1);
    expect(options.delays).toEqual([]);
    expect(server.routeCalls.at(-1)).toBe("abort");
    expect(await server.storage.uploads.list()).toEqual([]);
    expect(store.entries.size).toBe(0);
  });

  it("stops at once on a 400 SizeMismatch (the part is shorter than signed)", async () => {
    const server = await serve();
    const options = base(server, { concurrency: 1, fetch: sizeChangingFetch(+1) });
    const error = await failure(uploadFile(makeFile(21 * MiB), options).promise);
    expect(error).toMatchObject({ code: "SizeMismatch", status: 400, serverCode: "SizeMismatch" });
    expect(server.putsByPart.get(5)).toBe(1);
    expect(options.delays).toEqual([]);
    expect(await server.storage.uploads.list()).toEqual([]);
  });

  it("re-signs a part URL refused as expired, once", async () => {
    // The first sign call signs as if 2 hours ago: its 1-hour URLs are expired.
    const server = await serve({ signClockOffset: (call) => (call === 1 ? -2 * partUrlMs : 0) });
    const file = makeFile(12 * MiB);
    const result = await uploadFile(file, base(server, { concurrency: 1, signBatchSize: 1 })).promise;
    expect(await storedHash(server, result.key)).toBe(await sha256(file));
    expect(server.putsByPart.get(1)).toBe(2);
    expect(server.signCalls.slice(0, 2)).toEqual([[1], [1]]);
  });

  it("signs again before use a queued URL that expires within the margin (no 403 needed)", async () => {
    // The server's clock moves on with the client's (sign calls after the first sign 59.5 minutes later).
    const server = await serve({ signClockOffset: (call) => (call === 1 ? 0 : partUrlMs - 30_000) });
    let clock = Date.now();
    let jumped = false;
    const options = base(server, {
      concurrency: 1,
      signBatchSize: 3,
      now: () => clock,
      onProgress: ({ partsDone }) => {
        // After part 1, time moves on: the URLs of parts 2 and 3 (1 hour) now expire within the 60 s margin.
        if (partsDone === 1 && !jumped) {
          jumped = true;
          clock += partUrlMs - 30_000;
        }
      },
    });
    const file = makeFile(12 * MiB);
    const result = await uploadFile(file, options).promise;
    expect(await storedHash(server, result.key)).toBe(await sha256(file));
    expect(server.signCalls).toEqual([[1, 2, 3], [2, 3]]);
    expect([...server.putsByPart.values()]).toEqual([1, 1, 1]);
  });

  it("fails with Expired when the re-signed URL is refused as expired too", async () => {
    const server = await serve({ signClockOffset: () => -2 * partUrlMs });
    const error = await failure(uploadFile(makeFile(12 * MiB), base(server, { concurrency: 1 })).promise);
    expect(error.code).toBe("Expired");
    expect(server.putsByPart.get(1)).toBe(2);
  });

  it("resumes after a reload: only the missing parts are sent", async () => {
    const server = await serve();
    const store = memorySessionStore();
    const file = makeFile(21 * MiB);
    // The first page: two parts get through, then the page is gone (every other request fails).
    let calls = 0;
    let release!: () => void;
    const firstTwo = new Promise<void>((resolve) => (release = resolve));
    let finished = 0;
    const real = fetchTransport(fetch);
    const dying: PartTransport = async (request) => {
      calls++;
      if (calls > 2) {
        await firstTwo;
        return { status: 0, etag: null, responseText: "" };
      }
      const response = await real(request);
      if (++finished === 2) release();
      return response;
    };
    const first = await failure(uploadFile(file, base(server, { store, transport: dying, retry: { attempts: 1 } })).promise);
    expect(first.code).toBe("Network");
    expect(store.entries.size).toBe(1);
    expect(server.storedByPart.size).toBe(2);
    const missing = [1, 2, 3, 4, 5].filter((part) => !server.storedByPart.has(part));

    // The reloaded page: the same file and store.
    const result = await uploadFile(file, base(server, { store })).promise;
    expect(await storedHash(server, result.key)).toBe(await sha256(file));
    expect([...server.putsByPart.entries()].sort(([a], [b]) => a - b)).toEqual([1, 2, 3, 4, 5].map((part) => [part, 1]));
    expect(server.routeCalls.filter((call) => call === "create")).toHaveLength(1);
    expect(server.routeCalls).toContain("list");
    expect(server.signCalls).toEqual([[1, 2, 3, 4, 5], missing]);
    expect(store.entries.size).toBe(0);
  });

  it("starts a new session when the stored one is unknown to the server", async () => {
    const server = await serve();
    const store = memorySessionStore();
    const file = makeFile(12 * MiB);
    const { fileFingerprint } = await import("../src/index.ts");
    store.set(fileFingerprint(file), { token: "forged.token", key: "x", partSize: 5 * MiB, partCount: 3, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), size: file.size });
    const result = await uploadFile(file, base(server, { store })).promise;
    expect(await storedHash(server, result.key)).toBe(await sha256(file));
    expect(server.routeCalls.slice(0, 2)).toEqual(["list", "create"]);
  });

  it("cancels with the signal: parts in flight aborted, the abort route called, nothing left", async () => {
    const server = await serve({ partDelayMs: 30 });
    const store = memorySessionStore();
    const controller = new AbortController();
    const options = base(server, {
      store,
      concurrency: 2,
      signal: controller.signal,
      onProgress: ({ partsDone }) => {
        if (partsDone >= 1) controller.abort();
      },
    });
    const error = await failure(uploadFile(makeFile(31 * MiB), options).promise);
    expect(error.code).toBe("Aborted");
    expect(server.routeCalls.at(-1)).toBe("abort");
    expect(server.routeCalls).not.toContain("complete");
    expect(await server.storage.uploads.list()).toEqual([]);
    expect(await server.storage.exists("uploads/video.mp4")).toBe(false);
    expect(store.entries.size).toBe(0);
  });

  it("pauses (no part is sent while paused) and resumes to completion", async () => {
    const server = await serve({ partDelayMs: 20 });
    const file = makeFile(31 * MiB);
    let handle!: ReturnType<typeof uploadFile>;
    let pausedAt = -1;
    handle = uploadFile(
      file,
      base(server, {
        concurrency: 2,
        onProgress: ({ partsDone }) => {
          if (partsDone === 1 && pausedAt === -1) {
            handle.pause();
            pausedAt = 0;
          }
        },
      }),
    );
    await expect.poll(() => pausedAt).toBe(0);
    expect(handle.paused).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const seen = [...server.putsByPart.values()].reduce((sum, count) => sum + count, 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect([...server.putsByPart.values()].reduce((sum, count) => sum + count, 0)).toBe(seen);
    expect(server.routeCalls).not.toContain("complete");
    handle.resume();
    expect(handle.paused).toBe(false);
    const result = await handle.promise;
    expect(await storedHash(server, result.key)).toBe(await sha256(file));
    expect(server.storedByPart.size).toBe(7);
  });

  it("reports progress that never goes backwards and ends at the total, even across retries", async () => {
    const server = await serve({ fault: (part, attempt) => (part === 2 && attempt === 1 ? 500 : "pass") });
    const file = makeFile(21 * MiB + 7);
    const events: UploadFileProgress[] = [];
    // A transport that reports in-flight bytes (as XMLHttpRequest does): 1 byte, half the part, then the answer.
    // The retried part 2 starts again from 1 byte: the reported total must hold still, not drop.
    const real = fetchTransport(fetch);
    const reporting: PartTransport = async (request) => {
      request.onProgress?.(1);
      request.onProgress?.((request.body as Blob).size / 2);
      return real(request);
    };
    await uploadFile(file, base(server, { transport: reporting, onProgress: (event) => events.push(event) })).promise;
    expect(events.length).toBeGreaterThan(6);
    for (let index = 1; index < events.length; index++) {
      expect(events[index]!.loaded).toBeGreaterThanOrEqual(events[index - 1]!.loaded);
      expect(events[index]!.partsDone).toBeGreaterThanOrEqual(events[index - 1]!.partsDone);
    }
    expect(events.at(-1)).toMatchObject({ loaded: file.size, total: file.size, partsDone: 5, partsTotal: 5, secondsLeft: 0 });
    expect(events.some((event) => event.loaded > 0 && event.loaded < file.size && event.partsDone === 0)).toBe(true);
  });

  it("sends the extra headers on every route call, and takes the routes as functions", async () => {
    const server = await serve();
    const file = makeFile(12 * MiB);
    await uploadFile(file, base(server, { headers: { "x-csrf-token": "t1" } })).promise;
    expect(server.routeHeaders.map((headers) => headers.get("x-csrf-token"))).toEqual(server.routeCalls.map(() => "t1"));

    const calls: string[] = [];
    const http = httpUploadRoutes(server.baseUrl);
    const routes: UploadRouteFunctions = {
      create: (input, context) => (calls.push("create"), http.create(input, context)),
      sign: (input, context) => (calls.push("sign"), http.sign(input, context)),
      list: (input, context) => (calls.push("list"), http.list(input, context)),
      complete: (input, context) => (calls.push("complete"), http.complete(input, context)),
      abort: (input, context) => (calls.push("abort"), http.abort(input, context)),
    };
    const result = await uploadFile(makeFile(12 * MiB, "other.mp4"), base(server, { routes })).promise;
    expect(result.key).toBe("uploads/other.mp4");
    expect(calls).toEqual(["create", "sign", "complete"]);
  });

  it("types a route's error answer: a tampered token is BadSignature with the server's code", async () => {
    const server = await serve();
    const error = await failure(httpUploadRoutes(server.baseUrl).list({ token: "forged.token" }, {}));
    // createUploadRoutes answers 403 InvalidSignature; the client's code for it is BadSignature.
    expect(error).toMatchObject({ code: "BadSignature", status: 403, serverCode: "InvalidSignature" });

    // A real token whose sealed key was changed (the signature kept) is refused the same way.
    const routes = httpUploadRoutes(server.baseUrl);
    const { token } = await routes.create({ filename: "mine.bin", contentType: "", size: 10 }, {});
    const [payload, ...rest] = token.split(".");
    const session = JSON.parse(Buffer.from(payload!, "base64url").toString()) as { key: string };
    expect(session.key).toBe("uploads/mine.bin");
    const changed = Buffer.from(JSON.stringify({ ...session, key: "uploads/theirs.bin" })).toString("base64url");
    const tampered = await failure(routes.list({ token: [changed, ...rest].join(".") }, {}));
    expect(tampered).toMatchObject({ code: "BadSignature", status: 403, serverCode: "InvalidSignature" });
    expect(await routes.list({ token }, {})).toEqual({ parts: [] });
  });

  it("sends a small file as one signed PUT through routes.single", async () => {
    const server = await serve();
    const file = makeFile(300_000, "small.bin");
    const routes = (await import("../src/index.ts")).httpUploadRoutes(server.baseUrl);
    const single = async (blob: Blob) => {
      const signed = await server.storage.signPut("small/one.bin", { size: blob.size, contentType: "video/mp4" });
      return { ...signed, key: "small/one.bin" };
    };
    const result = await uploadFile(file, base(server, { routes: { ...routes, single } })).promise;
    expect(result).toMatchObject({ key: "small/one.bin", size: 300_000, parts: 0, contentType: "video/mp4" });
    expect(await storedHash(server, "small/one.bin")).toBe(await sha256(file));
    expect(server.routeCalls).toEqual([]);
  });

  it("uploads a small file as a one-part session when there is no single route", async () => {
    const server = await serve();
    const file = makeFile(300_000, "small.bin");
    const result = await uploadFile(file, base(server)).promise;
    expect(result).toMatchObject({ key: "uploads/small.bin", size: 300_000, parts: 1 });
    expect(await storedHash(server, result.key)).toBe(await sha256(file));
  });
});
