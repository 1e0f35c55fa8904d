// A test-only server for uploadFile: the upload-routes wire protocol
// (create, sign, list, complete, abort) over storage.uploads of a memory
// driver, and the part PUTs served by @stowage/http's createSignedUrlHandler,
// on a real node:http server. It counts part PUTs per part and in flight,
// and can fail chosen part PUTs (drop the connection, or answer an error).
// (@stowage/http's createUploadRoutes will replace the routes half.)
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createStorage, httpStatusForError, isStorageError, StorageError, type Storage, type UploadSession } from "@stowage/core";
import { createSignedUrlHandler } from "@stowage/http";
import { toNodeListener } from "@stowage/http/node";
import { memoryDriver } from "@stowage/memory";

/** What to do with a part PUT: pass it on, drop the connection, or answer this status. */
export type PartFault = "pass" | "drop" | number;

export interface UploadServerOptions {
  /** Passed to create (bytes per part). */
  partSize?: number;
  /** Changes the size the server signs for (to provoke a real 413). */
  sizeForCreate?: (size: number) => number;
  /** Decides per part PUT (`attempt` counts from 1 for each part). */
  fault?: (partNumber: number, attempt: number) => PartFault;
  /** Milliseconds each part PUT waits before it is handled (to overlap parts). */
  partDelayMs?: number;
  /** When given, `/` serves a page that imports this code from `/client.js` as `window.client` (same origin: no CORS). */
  pageScript?: string;
  /** Offset (ms) of the signing clock for the nth sign call (1-based); to sign URLs that are already expired. */
  signClockOffset?: (call: number) => number;
}

export interface UploadServer {
  baseUrl: string;
  origin: string;
  storage: Storage;
  /** Part PUTs that reached the server, per part number (faulted ones included). */
  putsByPart: Map<number, number>;
  /** Part PUTs answered 2xx, per part number. */
  storedByPart: Map<number, number>;
  inFlight: number;
  maxInFlight: number;
  /** Route calls in order: "create", "sign", "list", "complete", "abort". */
  routeCalls: string[];
  /** Part numbers of each sign call. */
  signCalls: number[][];
  /** The headers of each route call. */
  routeHeaders: Headers[];
  close(): Promise<void>;
}

const secrets = [{ id: "k1", secret: "a-test-secret-that-is-long-enough-32b" }];
const tokenSecret = "token-secret-for-the-test-routes";

export async function startUploadServer(options: UploadServerOptions = {}): Promise<UploadServer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let clockOffset = 0;
  const storage = createStorage(memoryDriver({ signing: { secrets, baseUrl: `${origin}/__storage` } }), { clock: () => Date.now() + clockOffset });
  const parts = createSignedUrlHandler(storage, { secrets, basePath: "/__storage" });
  const state: UploadServer = {
    baseUrl: `${origin}/api/uploads`,
    origin,
    storage,
    putsByPart: new Map(),
    storedByPart: new Map(),
    inFlight: 0,
    maxInFlight: 0,
    routeCalls: [],
    signCalls: [],
    routeHeaders: [],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const routes = async (request: Request): Promise<Response> => {
    const action = new URL(request.url).pathname.slice("/api/uploads/".length);
    state.routeCalls.push(action);
    state.routeHeaders.push(request.headers);
    try {
      const body = (await request.json()) as Record<string, unknown>;
      if (action === "create") {
        const size = options.sizeForCreate ? options.sizeForCreate(body.size as number) : (body.size as number);
        const session = await storage.uploads.create(`uploads/${String(body.filename)}`, {
          size,
          contentType: body.contentType as string,
          ...(options.partSize ? { partSize: options.partSize } : {}),
        });
        return json({ token: seal(session), key: session.key, partSize: session.partSize, partCount: session.partCount, expiresAt: session.expiresAt });
      }
      const session = unseal(body.token);
      if (action === "sign") {
        const numbers = body.partNumbers as number[];
        state.signCalls.push(numbers);
        clockOffset = options.signClockOffset?.(state.signCalls.length) ?? 0;
        try {
          const signed = await storage.uploads.signParts(session, numbers, { expiresIn: 600 });
          return json({
            parts: signed.map((part, index) => ({ partNumber: numbers[index], url: part.url, method: part.method, headers: part.headers, expiresAt: part.expiresAt.toISOString() })),
          });
        } finally {
          clockOffset = 0;
        }
      }
      if (action === "list") return json({ parts: await storage.uploads.listParts(session) });
      if (action === "complete") {
        const info = await storage.uploads.complete(session, body.parts as { partNumber: number; etag: string }[]);
        return json({ object: { key: info.key, size: info.size, etag: info.etag, contentType: info.contentType, lastModified: info.lastModified.toISOString() } });
      }
      if (action === "abort") {
        await storage.uploads.abort(session);
        return new Response(null, { status: 204 });
      }
      throw new StorageError("NotFound", `No route ${action}`);
    } catch (error) {
      if (error instanceof BadToken) return json({ error: { code: "BadSignature", message: error.message } }, 403);
      const code = isStorageError(error) ? error.code : "Internal";
      return json({ error: { code, message: error instanceof Error ? error.message : String(error) } }, httpStatusForError(error));
    }
  };
  const routesListener = toNodeListener(routes);
  const partsListener = toNodeListener(parts);

  server.on("request", (incoming, outgoing) => {
    const url = new URL(incoming.url ?? "/", origin);
    if (options.pageScript !== undefined && (url.pathname === "/" || url.pathname === "/client.js")) {
      const script = url.pathname === "/client.js";
      outgoing.writeHead(200, { "content-type": script ? "text/javascript" : "text/html" });
      outgoing.end(script ? options.pageScript : `<!doctype html><script type="module">import * as client from "/client.js"; window.client = client;</script>`);
      return;
    }
    if (url.pathname.startsWith("/api/uploads/")) {
      routesListener(incoming, outgoing);
      return;
    }
    const partNumber = Number(url.searchParams.get("part"));
    const attempt = (state.putsByPart.get(partNumber) ?? 0) + 1;
    state.putsByPart.set(partNumber, attempt);
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    outgoing.once("close", () => {
      state.inFlight--;
      if (outgoing.statusCode >= 200 && outgoing.statusCode < 300 && outgoing.writableFinished) {
        state.storedByPart.set(partNumber, (state.storedByPart.get(partNumber) ?? 0) + 1);
      }
    });
    const fault = options.fault?.(partNumber, attempt) ?? "pass";
    const handle = (): void => {
      if (fault === "drop") {
        incoming.socket.destroy();
      } else if (typeof fault === "number") {
        incoming.resume();
        incoming.once("end", () => {
          outgoing.writeHead(fault, { "content-type": "application/json" });
          outgoing.end(JSON.stringify({ error: { code: fault === 429 ? "RateLimited" : "Unavailable", message: "injected" } }));
        });
      } else {
        partsListener(incoming, outgoing);
      }
    };
    if (options.partDelayMs) setTimeout(handle, options.partDelayMs);
    else handle();
  });
  return state;
}

class BadToken extends Error {}

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
}

function seal(session: UploadSession): string {
  const payload = Buffer.from(JSON.stringify(session)).toString("base64url");
  return `${payload}.${createHmac("sha256", tokenSecret).update(payload).digest("base64url")}`;
}

function unseal(token: unknown): UploadSession {
  if (typeof token !== "string") throw new BadToken("token is missing");
  const [payload = "", mac = ""] = token.split(".");
  const expected = createHmac("sha256", tokenSecret).update(payload).digest();
  const given = Buffer.from(mac, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new BadToken("the token was altered");
  return JSON.parse(Buffer.from(payload, "base64url").toString()) as UploadSession;
}
