import { validatePublicBaseUrl } from "@stowage/core";
import { invalid, redact } from "./config-values.js";

/** The URL query parameters every scheme takes, for the `Storage` rather than its driver. */
export const storageUrlParameters = ["publicBaseUrl"] as const;

export interface StorageUrlParameters {
  /** The URL without the storage-level parameters (the scheme's own parser reads the rest). */
  url: string;
  publicBaseUrl?: string;
}

/**
 * Takes the storage-level parameters (`publicBaseUrl=`) out of a storage
 * URL of any scheme: `memory://?publicBaseUrl=…`, `file:./data?publicBaseUrl=…`,
 * `s3://bucket?region=…&publicBaseUrl=…`, `r2://?publicBaseUrl=…`. The other
 * parameters are left as they were written, for the scheme's parser.
 */
export function takeStorageUrlParameters(url: string): StorageUrlParameters {
  const question = url.indexOf("?");
  if (question === -1) return { url };
  const hash = url.indexOf("#", question);
  const query = url.slice(question + 1, hash === -1 ? undefined : hash);
  const kept: string[] = [];
  const publicBaseUrls: string[] = [];
  for (const part of query.split("&")) {
    const equals = part.indexOf("=");
    const name = decodeParameter(equals === -1 ? part : part.slice(0, equals));
    if (name === "publicBaseUrl") publicBaseUrls.push(decodeParameter(equals === -1 ? "" : part.slice(equals + 1)));
    else kept.push(part);
  }
  if (publicBaseUrls.length === 0) return { url };
  if (publicBaseUrls.length > 1) throw invalid(`The storage URL parameter "publicBaseUrl" is given ${publicBaseUrls.length} times`);
  const rest = kept.join("&");
  const stripped = url.slice(0, question) + (rest === "" ? "" : `?${rest}`) + (hash === -1 ? "" : url.slice(hash));
  return { url: stripped, publicBaseUrl: publicBaseUrls[0]! };
}

function decodeParameter(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, "%20"));
  } catch {
    throw invalid(`The storage URL has a malformed %-escape in its query (${JSON.stringify(redact(text))})`);
  }
}

/**
 * The `publicBaseUrl` for `Storage`: from the URL or from
 * `storageOptions.publicBaseUrl`, not both (unless equal). Checked here,
 * before a driver is loaded or a server contacted, as `Storage` checks it:
 * an absolute http(s) URL without credentials, query or fragment.
 */
export function resolvePublicBaseUrl(fromUrl: string | undefined, fromOptions: unknown): string | undefined {
  if (fromUrl !== undefined && fromOptions !== undefined && fromUrl !== fromOptions) {
    throw invalid(
      `publicBaseUrl is given twice, differently: in the URL (${JSON.stringify(redact(fromUrl))}) and in storageOptions (${JSON.stringify(redact(String(fromOptions)))}); give it once`,
    );
  }
  const value = fromUrl ?? fromOptions;
  if (value === undefined) return undefined;
  const where = fromUrl !== undefined ? "The storage URL parameter publicBaseUrl" : "storageOptions.publicBaseUrl";
  validatePublicBaseUrl(value, where);
  return value as string;
}
