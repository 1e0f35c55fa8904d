import { SharedKeySigner } from "./shared-key.js";

/** The REST API version every request sends (`x-ms-version`); Azurite 3.37 supports it. */
export const azureApiVersion = "2025-01-05";

/** Where and as whom a {@link AzureRestClient} talks. */
export interface AzureRestClientOptions {
  /**
   * The Blob service endpoint, `https://ACCOUNT.blob.core.windows.net` or
   * Azurite's path-style `http://127.0.0.1:10000/devstoreaccount1`.
   */
  endpoint: string;
  accountName: string;
  /** The account key, base64 (as the portal shows it). */
  accountKey: string;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

/** One REST call: the blob path is relative to the endpoint (`container/key`, unencoded). */
export interface AzureRequest {
  method: "GET" | "HEAD" | "PUT" | "DELETE" | "POST";
  /** Container, or `container/blob` with the blob name unencoded. */
  path: string;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string | undefined>;
  /** A stream is sent as it is read, and needs `length`. */
  body?: Uint8Array | string | ReadableStream<Uint8Array>;
  /** The exact length of a stream body (sent as Content-Length; a body of another length fails the request). */
  length?: number;
  signal?: AbortSignal;
}

/**
 * A small web-standard client for the Blob service REST API: fetch plus
 * Shared Key signing (WebCrypto), nothing else. It returns the raw
 * `Response`; callers map statuses (see `mapAzureError`).
 */
export class AzureRestClient {
  /** The endpoint without a trailing `/`. */
  readonly endpoint: string;
  readonly accountName: string;
  /** Signs requests and SAS tokens with the account key. */
  readonly signer: SharedKeySigner;
  private readonly fetcher: typeof fetch;

  constructor(options: AzureRestClientOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, "");
    this.accountName = options.accountName;
    this.signer = new SharedKeySigner(options.accountName, options.accountKey);
    this.fetcher = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** The URL of a container or blob path (each segment percent-encoded, `/` kept). */
  url(path: string, query?: Record<string, string | undefined>): URL {
    const url = new URL(`${this.endpoint}/${encodeBlobPath(path)}`);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    return url;
  }

  /** Sends one signed request. */
  async request(request: AzureRequest): Promise<Response> {
    const url = this.url(request.path, request.query);
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers ?? {})) if (value !== undefined) headers.set(name, value);
    headers.set("x-ms-date", new Date().toUTCString());
    headers.set("x-ms-version", azureApiVersion);
    const body = typeof request.body === "string" ? new TextEncoder().encode(request.body) : request.body;
    const streamed = body instanceof ReadableStream;
    if (streamed && request.length === undefined) throw new TypeError("AzureRestClient: a stream body needs its length");
    const length = streamed ? request.length! : (body?.byteLength ?? 0);
    if (request.method === "PUT" || request.method === "POST") headers.set("content-length", String(length));
    headers.set("authorization", await this.signer.authorization(request.method, url, headers));
    // undici sets content-length itself from a byte body (a header given twice is refused); a stream keeps it,
    // and undici fails the request when the stream's length differs, so the service stores nothing.
    if (!streamed) headers.delete("content-length");
    return this.fetcher(url, {
      method: request.method,
      headers,
      body: body as BodyInit | undefined,
      ...(streamed ? { duplex: "half" } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    } as RequestInit);
  }
}

/**
 * Percent-encodes a blob path for the URL: every character but unreserved
 * ones and `/`. (The service decodes the path to get the blob name; the
 * signature covers the encoded form.)
 */
export function encodeBlobPath(path: string): string {
  return path
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");
}
