import type { IncomingMessage, ServerResponse } from "node:http";

/** A web-standard handler, such as `createSignedUrlHandler`'s. */
export type FetchHandler = (request: Request) => Promise<Response>;

/** A `node:http` request listener. */
export type NodeListener = (request: IncomingMessage, response: ServerResponse) => void;

const bodyHighWaterMark = 64 * 1024;

/**
 * Mounts a web-standard handler on `node:http` (or anything with the same
 * request listener, such as Express). Request bodies stream with backpressure,
 * never buffered; a client that disconnects aborts the request's body and
 * signal, and cancels a response body being sent.
 *
 * Under Express, mount it by path (`app.use("/__storage", listener)`) with the
 * handler's `basePath` set to that whole path: the URL is read from
 * `req.originalUrl`, which keeps the mount path Express strips from `req.url`.
 * Mount it before any body parser: a request whose body was already read is
 * answered 500 `BodyAlreadyRead` (and a process warning is emitted once)
 * instead of hanging.
 */
export function toNodeListener(handler: FetchHandler): NodeListener {
  return (incoming, outgoing) => {
    respond(handler, incoming, outgoing).catch(() => {
      if (!outgoing.headersSent) {
        outgoing.statusCode = 500;
        outgoing.end();
      } else {
        outgoing.destroy();
      }
    });
  };
}

async function respond(handler: FetchHandler, incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
  const aborter = new AbortController();
  outgoing.once("close", () => {
    if (!outgoing.writableFinished) aborter.abort(abortError("The client disconnected"));
  });
  if (bodyAlreadyRead(incoming)) {
    warnBodyAlreadyRead();
    outgoing.statusCode = 500;
    outgoing.setHeader("content-type", "application/json; charset=utf-8");
    outgoing.end(JSON.stringify({ error: { code: "BodyAlreadyRead", message: bodyAlreadyReadMessage } }));
    return;
  }
  const converted = toRequest(incoming, aborter.signal);
  if (converted === undefined) {
    outgoing.statusCode = 400;
    outgoing.setHeader("content-type", "application/json; charset=utf-8");
    outgoing.end(JSON.stringify({ error: { code: "InvalidRequest", message: "The request line is malformed" } }));
    return;
  }
  const { request, discardBody } = converted;
  let response: Response;
  try {
    response = await handler(request);
  } catch {
    response = new Response(JSON.stringify({ error: { code: "Internal", message: "The request failed" } }), {
      status: 500,
      headers: { "content-type": "application/json; charset=utf-8" },
    });
  }
  // A handler that answered before the whole request body arrived (403, 409,
  // 413, 415 are sent before the body is read): never read the rest. The
  // answer says `Connection: close`, and once it is flushed the socket is
  // destroyed, so a client streaming a large body is cut off instead of being
  // drained. A body that already arrived whole is dropped and the connection
  // is kept.
  const unread = !incoming.complete;
  if (unread) {
    outgoing.shouldKeepAlive = false;
    outgoing.once("finish", () => incoming.socket.destroy());
  }
  await writeResponse(response, incoming, outgoing, unread);
  if (!unread) discardBody();
}

const bodyAlreadyReadMessage =
  "The request body was already read by another middleware (such as express.json()) before the storage listener ran, " +
  "so the upload cannot be stored. Mount the storage route before any body parser (app.use(\"/__storage\", toNodeListener(handler)) " +
  "before app.use(express.json())), or exclude its path from the parsers.";

let warnedBodyAlreadyRead = false;
function warnBodyAlreadyRead(): void {
  if (warnedBodyAlreadyRead) return;
  warnedBodyAlreadyRead = true;
  process.emitWarning(bodyAlreadyReadMessage, { code: "STOWAGE_BODY_ALREADY_READ" });
}

/**
 * Whether something before the listener (a body parser such as
 * `express.json()`) has already read the request body. Its bytes are gone:
 * streaming the rest would store a truncated or empty object, and waiting for
 * an `end` that was already emitted would hang the request forever. Only
 * bodies that were read count; a parser that skipped the request (another
 * content type) leaves the stream untouched even if it set `req.body = {}`.
 */
function bodyAlreadyRead(incoming: IncomingMessage): boolean {
  const method = incoming.method ?? "GET";
  if (method === "GET" || method === "HEAD") return false;
  // body-parser (express.json, express.raw, …) marks a request it has read.
  if ((incoming as { _body?: unknown })._body === true) return true;
  return incoming.readableEnded || incoming.readableDidRead;
}

/**
 * The request target as the client sent it. Express (and connect) strip a
 * mount path from `req.url` (`app.use("/__storage", listener)` sees `/key`),
 * while a signed URL's path is the whole `baseUrl` path plus the key, and the
 * handler's `basePath` is that whole path: `req.originalUrl` keeps it.
 */
function requestTarget(incoming: IncomingMessage): string {
  const original = (incoming as { originalUrl?: unknown }).originalUrl;
  if (typeof original === "string" && original.startsWith("/")) return original;
  return incoming.url ?? "/";
}

function toRequest(incoming: IncomingMessage, signal: AbortSignal): { request: Request; discardBody: () => void } | undefined {
  const path = requestTarget(incoming);
  if (!path.startsWith("/")) return undefined;
  const hostHeader = incoming.headers.host;
  let url: URL;
  try {
    url = new URL(`http://${hostHeader && /^[A-Za-z0-9.:[\]-]+$/.test(hostHeader) ? hostHeader : "localhost"}${path}`);
  } catch {
    return undefined;
  }
  const headers = new Headers();
  const raw = incoming.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index]!;
    if (name.startsWith(":")) continue;
    try {
      headers.append(name, raw[index + 1]!);
    } catch {
      // A header value fetch's Headers refuses; drop it.
    }
  }
  const method = incoming.method ?? "GET";
  const init: RequestInit & { duplex?: "half" } = { method, headers, signal };
  let discardBody = (): void => {};
  if (method !== "GET" && method !== "HEAD") {
    const body = requestBody(incoming);
    init.body = body.stream;
    init.duplex = "half";
    discardBody = body.discard;
  }
  try {
    return { request: new Request(url, init), discardBody };
  } catch {
    return undefined;
  }
}

/**
 * The request body as a web stream that pulls from Node with backpressure,
 * and a way to drop whatever the handler did not read.
 */
function requestBody(incoming: IncomingMessage): { stream: ReadableStream<Uint8Array>; discard: () => void } {
  let settled = false;
  let cancelled = false;
  // Drops the rest of a body that the handler did not read. Called only for a
  // body that arrived whole (or by a cancel, which stops enqueueing): a body
  // still arriving is cut off with the connection instead (see respond).
  const discard = (): void => {
    if (settled) return;
    cancelled = true;
    incoming.resume();
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        incoming.on("data", (chunk: Uint8Array) => {
          if (cancelled || settled) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) incoming.pause();
        });
        incoming.once("end", () => {
          if (settled || cancelled) return;
          settled = true;
          controller.close();
        });
        const fail = (error?: Error) => {
          if (settled || cancelled) return;
          settled = true;
          controller.error(error ?? abortError("The client aborted the upload"));
        };
        incoming.once("error", (error) => fail(error));
        incoming.once("close", () => {
          if (!incoming.complete) fail(abortError("The client aborted the upload"));
        });
        incoming.pause();
      },
      pull() {
        incoming.resume();
      },
      cancel() {
        // Stop enqueueing. Whatever is already buffered is dropped; a body
        // still arriving when the answer is sent is cut off with the
        // connection (see respond).
        cancelled = true;
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: bodyHighWaterMark }),
  );
  return { stream, discard };
}

async function writeResponse(response: Response, incoming: IncomingMessage, outgoing: ServerResponse, close: boolean): Promise<void> {
  outgoing.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name === "set-cookie" || name === "connection") continue;
    outgoing.setHeader(name, value);
  }
  if (close) outgoing.setHeader("connection", "close");
  const cookies = response.headers.getSetCookie?.() ?? [];
  if (cookies.length > 0) outgoing.setHeader("set-cookie", cookies);
  const body = response.body;
  if (body === null || incoming.method === "HEAD") {
    if (body !== null) body.cancel().catch(() => {});
    outgoing.end();
    return;
  }
  const reader = body.getReader();
  let closed = false;
  const onClose = () => {
    closed = true;
    reader.cancel(abortError("The client disconnected")).catch(() => {});
  };
  outgoing.once("close", onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (closed) return;
      if (!outgoing.write(value)) {
        await new Promise<void>((resolve) => {
          const resume = () => {
            outgoing.off("drain", resume);
            outgoing.off("close", resume);
            resolve();
          };
          outgoing.on("drain", resume);
          outgoing.on("close", resume);
        });
        if (closed) return;
      }
    }
    outgoing.end();
  } catch {
    if (!closed) outgoing.destroy();
  } finally {
    outgoing.off("close", onClose);
  }
}

function abortError(message: string): Error {
  const error = new Error(message);
  error.name = "AbortError";
  return error;
}
