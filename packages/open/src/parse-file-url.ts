import { describe, invalid } from "./config-values.js";

/** `file:///abs`, `file://localhost/abs`, `file:/abs`, `file:./rel`, `file:rel`: the root as a path (relative ones stay relative to the working directory). */
export function parseFileUrl(url: string): string {
  let rest = url.slice("file:".length);
  if (/[?#]/.test(rest)) throw invalid(`A file URL takes no query (other than ?publicBaseUrl=) or fragment (got ${describe(url)})`);
  if (rest.startsWith("//")) {
    const slash = rest.indexOf("/", 2);
    const host = slash === -1 ? rest.slice(2) : rest.slice(2, slash);
    if (host !== "" && host.toLowerCase() !== "localhost") {
      throw invalid(
        `A file URL names a local directory, not host "${host}": use file:///absolute/path or file:./relative/path (got ${describe(url)})`,
      );
    }
    rest = slash === -1 ? "" : rest.slice(slash);
  }
  let path: string;
  try {
    path = decodeURIComponent(rest);
  } catch {
    throw invalid(`The file URL ${describe(url)} has a malformed %-escape`);
  }
  if (/^\/[a-zA-Z]:[/\\]/.test(path)) path = path.slice(1); // file:///C:/dir on Windows
  if (path === "" || path === "/") {
    throw invalid(`A file URL needs a directory: file:///absolute/path or file:./relative/path (got ${describe(url)})`);
  }
  if (path.includes("\0")) throw invalid("A file URL must not contain a NUL character");
  return path;
}
