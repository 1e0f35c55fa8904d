import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { toNodeListener, type FetchHandler } from "./node-listener.js";

export interface ServeHandlerOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
}

export interface ServedHandler {
  /** `http://host:port`, without a trailing slash. */
  url: string;
  server: Server;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Serves a web-standard handler on `node:http`, for tests and small tools:
 * `const { url, close } = await serveHandler(handler)`.
 */
export async function serveHandler(handler: FetchHandler, options: ServeHandlerOptions = {}): Promise<ServedHandler> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostText = address.family === "IPv6" || address.family === (6 as unknown as string) ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostText}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
