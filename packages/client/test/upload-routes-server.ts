// A test server for uploadFile: @stowage/http's real createUploadRoutes
// (create, sign, list, complete, abort over storage.uploads of a memory
// driver) mounted at /api/uploads, and the part PUTs served by @stowage/http's
// createSignedUrlHandler, on a real node:http server. Around the real
// handlers it only observes and injects faults: it logs each route call (its
// action, headers and signed part numbers), counts part PUTs per part and in
// flight, and can fail chosen part PUTs (drop the connection, or answer an
// error) before they reach the part handler.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createStorage, type Storage } from "@stowage/core";
import { createSignedUrlHandler, createUploadRoutes } from "@stowage/http";
import { toNodeListener } from "@stowage/http/node";
import { memoryDriver } from "@stowage/memory";

/** What to do with a part PUT: pass it on, drop the connection, or answer this status. */
export type PartFault = "pass" | "drop" | number;

export interface UploadServerOptions {
  /** Granted by `authorize` on create (bytes per part). */
  partSize?: number;
  /** Decides per part PUT (`attempt` counts from 1 for each part). */
  fault?: (partNumber: number, attempt: number) => PartFault;
  /** Milliseconds each part PUT waits before it is handled (to overlap parts). */
  partDelayMs?: number;
  /** When given, `/` serves a page that imports this code from `/client.js` as `window.client` (same origin: no CORS). */
  pageScript?: string;
  /**
   * Offset (ms) of the storage's clock during the nth sign call (1-based),
   * to sign part URLs that are already expired. The routes sign part URLs
   * for 1 hour (core's default) by the storage's clock; createUploadRoutes'
   * own `clock` only decides when the session (token) expires.
   */
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
const tokenSecrets = [{ id: "t1", secret: "token-secret-for-the-upload-routes-32b" }];
/** Keys the routes grant: `uploads/{filename}`. */
export const keyPrefix = "uploads/";

export async function startUploadServer(options: UploadServerOptions = {}): Promise<UploadServer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let clockOffset = 0;
  const storage = createStorage(memoryDriver({ signing: { secrets, baseUrl: `${origin}/__storage` } }), { clock: () => Date.now() + clockOffset });
  const parts = createSignedUrlHandler(storage, { secrets, basePath: "/__storage" });
  const uploads = createUploadRoutes(storage, {
    secrets: tokenSecrets,
    basePath: "/api/uploads",
    authorize: (_request, intent) => {
      if (intent.action === "create") return { key: `${keyPrefix}${intent.filename}`, ...(options.partSize ? { partSize: options.partSize } : {}) };
      return intent.key.startsWith(keyPrefix);
    },
  });
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

  // Records each call, then hands the request, unchanged, to the real routes.
  const routes = async (request: Request): Promise<Response> => {
    const action = new URL(request.url).pathname.slice("/api/uploads/".length);
    state.routeCalls.push(action);
    state.routeHeaders.push(request.headers);
    if (action !== "sign") return uploads(request);
    const body = (await request
      .clone()
      .json()
      .catch(() => ({}))) as { partNumbers?: number[] };
    state.signCalls.push(Array.isArray(body.partNumbers) ? body.partNumbers : []);
    clockOffset = options.signClockOffset?.(state.signCalls.length) ?? 0;
    try {
      return await uploads(request);
    } finally {
      clockOffset = 0;
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

/**
 * A `fetch` for uploadFile's route calls that announces `size + delta` bytes
 * to the create route instead of the file's size: a client whose parts then
 * do not match what the real routes signed (the routes always sign the
 * client's announced size, so no grant of `authorize` can provoke this).
 */
export function sizeChangingFetch(delta: number): typeof fetch {
  return async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url.endsWith("/create") && typeof init?.body === "string") {
      const body = JSON.parse(init.body) as { size: number };
      return fetch(input, { ...init, body: JSON.stringify({ ...body, size: body.size + delta }) });
    }
    return fetch(input, init);
  };
}
