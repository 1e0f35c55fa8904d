// The workerd module the tests read their bindings from, typed without loading
// @cloudflare/workers-types as globals (they clash with the DOM lib that the
// sibling packages' sources are checked with).
declare module "cloudflare:workers" {
  export const env: Record<string, unknown>;
}
