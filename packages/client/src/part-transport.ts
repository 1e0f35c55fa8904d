/** One request a transport sends: a signed PUT (or a POST form) of a body. */
export interface TransportRequest {
  url: string;
  method: string;
  /** Exactly the signed headers. */
  headers: Record<string, string>;
  body: Blob | FormData;
  signal: AbortSignal;
  /** Bytes of the body sent so far, when the transport can tell (XMLHttpRequest can, fetch cannot). */
  onProgress?: (loaded: number) => void;
}

/** What came back. `status` 0: no readable answer (network, CORS, or aborted). */
export interface TransportResponse {
  status: number;
  /** The `ETag` header, when the server sent (and CORS exposed) one. */
  etag: string | null;
  responseText: string;
}

/**
 * Sends one request and resolves with the answer, never rejecting: a
 * network failure or an abort is `status` 0. `uploadFile` uses one for the
 * parts (and for a small file without XMLHttpRequest).
 */
export type PartTransport = (request: TransportRequest) => Promise<TransportResponse>;

/**
 * Headers a browser computes itself and refuses to let a script set; the
 * browser sends the body's real length, which matches a signed length.
 */
const browserControlledHeaders = new Set(["content-length", "host", "connection", "expect", "transfer-encoding"]);

/** A transport over XMLHttpRequest, which reports upload progress. */
export function xhrTransport(Request: typeof XMLHttpRequest): PartTransport {
  return (request) =>
    new Promise<TransportResponse>((resolve) => {
      const xhr = new Request();
      let settled = false;
      const finish = (response: TransportResponse): void => {
        if (settled) return;
        settled = true;
        request.signal.removeEventListener("abort", onAbort);
        resolve(response);
      };
      const none = (): void => finish({ status: 0, etag: null, responseText: "" });
      const onAbort = (): void => {
        xhr.abort();
        none();
      };
      xhr.open(request.method, request.url, true);
      for (const [name, value] of Object.entries(request.headers)) {
        if (!browserControlledHeaders.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
      }
      xhr.upload.onprogress = (event: ProgressEvent) => request.onProgress?.(event.loaded);
      xhr.onload = () => {
        const responseText = typeof xhr.responseText === "string" ? xhr.responseText : "";
        finish({ status: xhr.status, etag: xhr.status === 0 ? null : xhr.getResponseHeader("ETag"), responseText });
      };
      xhr.onerror = none;
      xhr.ontimeout = none;
      xhr.onabort = none;
      if (request.signal.aborted) {
        none();
        return;
      }
      request.signal.addEventListener("abort", onAbort, { once: true });
      xhr.send(request.body);
    });
}

/** A transport over `fetch` (Node, Workers, Deno, Bun): no progress until the answer. */
export function fetchTransport(send: typeof fetch): PartTransport {
  return async (request) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (!browserControlledHeaders.has(name.toLowerCase())) headers[name] = value;
    }
    try {
      const response = await send(request.url, { method: request.method, headers, body: request.body, signal: request.signal });
      const responseText = await response.text();
      return { status: response.status, etag: response.headers.get("etag"), responseText };
    } catch {
      return { status: 0, etag: null, responseText: "" };
    }
  };
}

/** XMLHttpRequest when there is one (browsers, for upload progress), else `fetch`. */
export function defaultTransport(options: { XMLHttpRequest?: typeof XMLHttpRequest; fetch?: typeof fetch } = {}): PartTransport {
  const Request = options.XMLHttpRequest ?? (globalThis as { XMLHttpRequest?: typeof XMLHttpRequest }).XMLHttpRequest;
  if (typeof Request === "function") return xhrTransport(Request);
  const send = options.fetch ?? globalThis.fetch;
  if (typeof send !== "function") throw new TypeError("uploadFile needs XMLHttpRequest or fetch (pass options.transport)");
  return fetchTransport(send);
}
