// The workerd module the tests read the bindings from, typed without loading
// @cloudflare/workers-types as globals (they clash with the DOM lib).
declare module "cloudflare:workers" {
  export const env: Record<string, unknown>;
}
