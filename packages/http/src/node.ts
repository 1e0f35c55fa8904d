export { toNodeListener } from "./node-listener.js";
export type { FetchHandler, NodeListener } from "./node-listener.js";
export { serveHandler } from "./serve-handler.js";
export type { ServeHandlerOptions, ServedHandler } from "./serve-handler.js";
