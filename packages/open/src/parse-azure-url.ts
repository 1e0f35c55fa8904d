import { nearestOption } from "@stowage/core";
import { describe, invalid, redact } from "./config-values.js";
import type { OpenStorageConfig } from "./open-storage-config.js";
import { storageUrlParameters } from "./storage-url-parameters.js";

const azureParameters = ["endpoint"];

export interface ParsedAzure {
  container: string;
  endpoint: string;
  accountName: string;
  accountKey: string;
  prefix?: string;
}

/**
 * `azure://container[/prefix]?endpoint=…`. The account and key come from
 * `AZURE_STORAGE_ACCOUNT` and `AZURE_STORAGE_KEY` (never from the URL); the
 * endpoint from `endpoint=`, else `AZURE_BLOB_ENDPOINT`, else
 * `https://<account>.blob.core.windows.net`.
 */
export function parseAzureUrl(url: string, options: OpenStorageConfig, env: Record<string, string | undefined>): ParsedAzure {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(`The Azure URL ${describe(url)} is malformed; use azure://container?endpoint=…`);
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw invalid("The Azure URL must not carry credentials (user:password@); set AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY");
  }
  if (parsed.port !== "") throw invalid(`An Azure URL names a container, not a server; put the server in ?endpoint= (got ${describe(url)})`);
  if (parsed.hash !== "") throw invalid(`An Azure URL takes no #fragment (got ${describe(url)})`);
  const container = decodeURIComponent(parsed.hostname);
  if (!/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(container)) {
    throw invalid(
      `The Azure URL ${describe(url)} needs a container name (3-63 lowercase letters, digits and single "-") as its host: azure://my-container?endpoint=…`,
    );
  }
  for (const name of parsed.searchParams.keys()) {
    if (!azureParameters.includes(name)) {
      const hint = /key|secret|token|password|credential|sig|account/i.test(name)
        ? "; credentials never go in the URL (set AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY)"
        : "";
      const allowed = [...azureParameters, ...storageUrlParameters];
      const suggestion = nearestOption(name, allowed);
      const didYouMean = suggestion === undefined ? "" : `; did you mean "${suggestion}"?`;
      throw invalid(`Unknown Azure URL parameter "${name}"${didYouMean}; allowed: ${allowed.join(", ")}${hint}`);
    }
  }
  if (options.credentials !== undefined) {
    throw invalid("azure:// takes its account from AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY (options.credentials is for s3://)");
  }
  const accountName = env.AZURE_STORAGE_ACCOUNT;
  const accountKey = env.AZURE_STORAGE_KEY;
  if (!accountName || !accountKey) {
    throw invalid("azure:// needs the storage account: set AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY (the account name and its base64 key)");
  }
  const endpoints = parsed.searchParams.getAll("endpoint");
  if (endpoints.length > 1) throw invalid(`The Azure URL parameter "endpoint" is given ${endpoints.length} times`);
  const endpoint = endpoints[0] || env.AZURE_BLOB_ENDPOINT || `https://${accountName}.blob.core.windows.net`;
  const result: ParsedAzure = { container, endpoint: checkEndpoint(endpoint), accountName, accountKey };
  const path = decodeURIComponent(parsed.pathname).replace(/^\/+/, "");
  if (path !== "") result.prefix = path.endsWith("/") ? path : `${path}/`;
  return result;
}

function checkEndpoint(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw invalid(`The Azure endpoint must be an http:// or https:// URL (got ${JSON.stringify(redact(value))})`);
  }
  if (url.username !== "" || url.password !== "" || url.search !== "") {
    throw invalid("The Azure endpoint must not carry credentials or a SAS; set AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY");
  }
  return value;
}
