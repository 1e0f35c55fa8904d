import { StorageError } from "./storage-error.js";
import { describe } from "./known-options.js";

/**
 * Checks `publicBaseUrl` and returns it ending in `/`: an absolute http(s)
 * URL without credentials, query or fragment (a key appended to those
 * would not be a path).
 */
export function validatePublicBaseUrl(value: unknown, name = "publicBaseUrl"): string {
  let shown = describe(value);
  const problem = (reason: string) =>
    new StorageError("InvalidArgument", `${name} ${reason}, such as "https://cdn.example.com/files/" (got ${shown})`);
  if (typeof value !== "string" || value === "") throw problem("must be a non-empty string");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw problem("must be an absolute URL");
  }
  if (url.username !== "" || url.password !== "") {
    shown = "a URL with credentials, not shown";
    throw problem("must not carry credentials");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw problem("must be an http: or https: URL");
  if (url.search !== "" || url.hash !== "" || value.includes("?") || value.includes("#")) throw problem("must not have a query or fragment");
  const text = url.href;
  return text.endsWith("/") ? text : `${text}/`;
}

/** `publicBaseUrl` for `createStorage` over `driver`: checked, and refused where the driver says public URLs would not serve its objects. */
export function publicBaseUrlFor(driver: { name: string; publicUrlRefusal?: string }, value: unknown): string {
  const base = validatePublicBaseUrl(value);
  if (driver.publicUrlRefusal !== undefined) {
    throw new StorageError("Unsupported", `publicBaseUrl cannot be used with the ${driver.name} driver: ${driver.publicUrlRefusal}`);
  }
  return base;
}

/**
 * The public URL of a (valid) key under `base`: each `/`-separated segment
 * percent-encoded, so `?`, `#`, `%` and spaces stay part of the key. Keys
 * have no `.`, `..` or empty segments, so no URL parser collapses a path.
 */
export function publicUrlFor(base: string | undefined, key: string): string {
  if (base === undefined) {
    throw new StorageError(
      "Unsupported",
      'publicUrl needs the URL objects are served under: pass createStorage(driver, { publicBaseUrl: "https://cdn.example.com/" })',
    );
  }
  return base + key.split("/").map(encodeURIComponent).join("/");
}

