import { StorageError, assertKnownOptions } from "@stowage/core";
import { accountSasQuery } from "./sas-account.js";

/** The methods a blob service CORS rule can allow. */
export type AzureCorsMethod = "GET" | "HEAD" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "MERGE" | "PATCH";

/** The account whose blob service CORS rules are set. */
export interface AzureCorsAccount {
  accountName: string;
  /** The account key, base64. */
  accountKey: string;
  /** The blob service URL (`https://<account>.blob.core.windows.net`, or Azurite's `http://127.0.0.1:10000/devstoreaccount1`). */
  endpoint: string;
}

export interface AzureConfigureCorsOptions {
  /** The origins browsers load your app from, such as `"https://app.example"` (scheme, host, port; no path), or `"*"`. */
  origins: string[];
  /** What the browser does straight to the blob service: usually `["GET", "HEAD", "PUT"]` for SAS uploads and downloads. */
  methods: AzureCorsMethod[];
  /**
   * Request headers the browser may send. Default: `x-ms-blob-type` (every
   * SAS upload sends it) and `content-type`.
   */
  allowHeaders?: string[];
  /** Response headers the page may read. `ETag` is always added. */
  exposeHeaders?: string[];
  /** How long a browser may cache the preflight, in seconds. Default 600. */
  maxAgeSeconds?: number;
  /**
   * Keep the rules of other origins (default `true`): only the rule for
   * exactly these origins is replaced. `false` replaces every rule of the
   * account with this one.
   */
  keepOtherRules?: boolean;
  /** Aborts the service calls. */
  signal?: AbortSignal;
}

export interface AzureConfigureCorsResult {
  /** The rule this call wrote, as the service stores it. */
  rule: AzureCorsRule;
  /** How many rules the service has now (other origins' rules are kept). */
  rules: number;
}

export interface AzureCorsRule {
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposedHeaders: string[];
  maxAgeInSeconds: number;
}

const optionNames = ["origins", "methods", "allowHeaders", "exposeHeaders", "maxAgeSeconds", "keepOtherRules", "signal"] as const;
const corsMethods: readonly string[] = ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "MERGE", "PATCH"];
const defaultAllowHeaders = ["x-ms-blob-type", "content-type"];
const headerNamePattern = /^[!#$%&'+.^_`|~0-9A-Za-z-]+\*?$/;
const originPattern = /^(\*|[a-z][a-z0-9+.-]*:\/\/[^/?#\s,<>&]+)$/i;

/**
 * Sets a blob service CORS rule so that browsers on `origins` can use SAS
 * URLs straight against the account (Set Blob Service Properties, authorized
 * by a short account SAS made from the key). CORS on Azure is per account
 * and service, not per container. Rules have no ID: the rule for exactly
 * these origins is replaced and the rules of other origins are kept, so
 * calling it again is safe; Azure allows at most 5 rules (`keepOtherRules:
 * false` replaces them all).
 *
 * Takes an azure `Storage` or driver built with the account key (its REST
 * client signs with Shared Key), or the account itself
 * (`{ accountName, accountKey, endpoint }`, authorized by a short account SAS).
 */
export async function configureCors(target: AzureCorsAccount | object, options: AzureConfigureCorsOptions): Promise<AzureConfigureCorsResult> {
  if (options === undefined || options === null) throw invalid("configureCors needs options { origins, methods }");
  assertKnownOptions(options, optionNames, "configureCors options");
  const rule = buildRule(options);
  const call = serviceCaller(target, options.signal);
  let kept: string[] = [];
  if (options.keepOtherRules !== false) {
    const current = await call("GET", undefined, "Get Blob Service Properties");
    kept = corsRuleBlocks(await current.text()).filter((block) => !sameOrigins(block, rule.allowedOrigins));
  }
  const rules = [...kept, ruleXml(rule)];
  if (rules.length > 5) throw invalid(`The account would have ${rules.length} CORS rules; Azure allows at most 5 (remove some, or combine origins in one call)`);
  const body = `<?xml version="1.0" encoding="utf-8"?><StorageServiceProperties><Cors>${rules.join("")}</Cors></StorageServiceProperties>`;
  const written = await call("PUT", body, "Set Blob Service Properties");
  await written.arrayBuffer();
  return { rule, rules: rules.length };
}

/** A REST client that signs with the account key (the azure driver's `raw`). */
interface KeyedRestClient {
  request(request: { method: "GET" | "PUT"; path: string; query?: Record<string, string>; headers?: Record<string, string>; body?: string; signal?: AbortSignal }): Promise<Response>;
}

type ServiceCall = (method: "GET" | "PUT", body: string | undefined, operation: string) => Promise<Response>;

/**
 * How to reach the service properties: through the driver's REST client
 * (Shared Key) when the target is an azure storage or driver built with the
 * key, else with an account SAS from `{ accountName, accountKey, endpoint }`.
 */
function serviceCaller(target: unknown, signal: AbortSignal | undefined): ServiceCall {
  const restClient = restClientOf(target);
  if (restClient !== undefined) {
    return (method, body, operation) =>
      check(
        () =>
          restClient.request({
            method,
            path: "",
            query: { restype: "service", comp: "properties" },
            ...(body === undefined ? {} : { body, headers: { "content-type": "application/xml" } }),
            ...(signal === undefined ? {} : { signal }),
          }),
        operation,
      );
  }
  const account = accountOf(target);
  const base = `${account.endpoint.replace(/\/+$/, "")}/?restype=service&comp=properties`;
  let sas: Promise<string> | undefined;
  return async (method, body, operation) => {
    sas ??= accountSasQuery(account, { permissions: "rw", resourceTypes: "s", expiresAt: new Date(Date.now() + 5 * 60_000) });
    const query = await sas;
    const init: RequestInit = { method, ...(body === undefined ? {} : { body, headers: { "content-type": "application/xml" } }), ...(signal === undefined ? {} : { signal }) };
    return check(() => fetch(`${base}&${query}`, init), operation);
  };
}

function restClientOf(target: unknown): KeyedRestClient | undefined {
  const driver = (target as { driver?: unknown } | null)?.driver ?? target;
  if (driver === null || typeof driver !== "object" || (driver as { name?: unknown }).name !== "azure") return undefined;
  const raw = (driver as { raw?: unknown }).raw as { request?: unknown; signer?: unknown } | undefined;
  if (raw !== null && typeof raw === "object" && typeof raw.request === "function" && raw.signer !== undefined) return raw as KeyedRestClient;
  return undefined;
}

function accountOf(target: unknown): AzureCorsAccount {
  const candidates = [target, (target as { driver?: unknown } | null)?.driver, (target as { driver?: { account?: unknown } } | null)?.driver?.account];
  for (const candidate of candidates) {
    if (candidate === null || typeof candidate !== "object") continue;
    const { accountName, accountKey, endpoint } = candidate as Partial<AzureCorsAccount>;
    if (typeof accountName === "string" && typeof accountKey === "string" && typeof endpoint === "string") return { accountName, accountKey, endpoint };
  }
  throw new StorageError(
    "Unsupported",
    "configureCors needs the account key to set the blob service's CORS rules: pass { accountName, accountKey, endpoint } (a driver built from a client has no key)",
    { operation: "configureCors" },
  );
}

async function check(send: () => Promise<Response>, operation: string): Promise<Response> {
  let response: Response;
  try {
    response = await send();
  } catch (error) {
    if ((error as { name?: string })?.name === "AbortError") throw new StorageError("Aborted", `configureCors (${operation}) was aborted`, { operation: "configureCors", cause: error });
    throw new StorageError("Unavailable", `configureCors (${operation}): ${(error as Error)?.message ?? String(error)}`, { operation: "configureCors", cause: error });
  }
  if (response.ok) return response;
  const code = response.headers.get("x-ms-error-code") ?? "";
  await response.arrayBuffer().catch(() => undefined);
  const storageCode = response.status === 403 ? "PermissionDenied" : response.status >= 500 ? "Unavailable" : "Unknown";
  throw new StorageError(storageCode, `configureCors (${operation}): HTTP ${response.status}${code === "" ? "" : ` ${code}`}`, { operation: "configureCors" });
}

function buildRule(options: AzureConfigureCorsOptions): AzureCorsRule {
  const { origins, methods } = options;
  if (!Array.isArray(origins) || origins.length === 0) throw invalid('origins must be a non-empty list of origins such as "https://app.example" (or "*")');
  for (const origin of origins) {
    if (typeof origin !== "string" || !originPattern.test(origin)) {
      throw invalid(`origins must hold origins like "https://app.example" (scheme and host, no path) or "*"; got ${JSON.stringify(origin)}`);
    }
  }
  if (!Array.isArray(methods) || methods.length === 0) throw invalid(`methods must be a non-empty list of ${corsMethods.join(", ")}`);
  const allowedMethods = methods.map((method) => (typeof method === "string" ? method.toUpperCase() : method));
  for (const method of allowedMethods) {
    if (typeof method !== "string" || !corsMethods.includes(method)) throw invalid(`methods may hold only ${corsMethods.join(", ")}; got ${JSON.stringify(method)}`);
  }
  const allowedHeaders = headerList(options.allowHeaders ?? defaultAllowHeaders, "allowHeaders");
  const exposedHeaders = headerList(options.exposeHeaders ?? [], "exposeHeaders");
  if (!exposedHeaders.some((name) => name.toLowerCase() === "etag")) exposedHeaders.unshift("ETag");
  const maxAge = options.maxAgeSeconds ?? 600;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw invalid(`maxAgeSeconds must be a whole number of seconds, at least 0; got ${String(maxAge)}`);
  return { allowedOrigins: [...new Set(origins)], allowedMethods: [...new Set(allowedMethods as string[])], allowedHeaders, exposedHeaders, maxAgeInSeconds: maxAge };
}

function headerList(value: unknown, name: string): string[] {
  if (!Array.isArray(value)) throw invalid(`${name} must be a list of header names`);
  const seen = new Map<string, string>();
  for (const header of value) {
    if (typeof header !== "string" || (header !== "*" && !headerNamePattern.test(header))) {
      throw invalid(`${name} must hold header names (a trailing * for a prefix, or "*"); got ${JSON.stringify(header)}`);
    }
    if (!seen.has(header.toLowerCase())) seen.set(header.toLowerCase(), header);
  }
  return [...seen.values()];
}

function ruleXml(rule: AzureCorsRule): string {
  return (
    `<CorsRule><AllowedOrigins>${rule.allowedOrigins.join(",")}</AllowedOrigins>` +
    `<AllowedMethods>${rule.allowedMethods.join(",")}</AllowedMethods>` +
    `<MaxAgeInSeconds>${rule.maxAgeInSeconds}</MaxAgeInSeconds>` +
    `<ExposedHeaders>${rule.exposedHeaders.join(",")}</ExposedHeaders>` +
    `<AllowedHeaders>${rule.allowedHeaders.join(",")}</AllowedHeaders></CorsRule>`
  );
}

/** The service's `<CorsRule>` elements, as written (they are passed back unchanged). */
function corsRuleBlocks(xml: string): string[] {
  return xml.match(/<CorsRule>[\s\S]*?<\/CorsRule>/g) ?? [];
}

function sameOrigins(block: string, origins: string[]): boolean {
  const listed = /<AllowedOrigins>([\s\S]*?)<\/AllowedOrigins>/.exec(block)?.[1] ?? "";
  const theirs = new Set(listed.split(",").map((origin) => origin.trim()).filter((origin) => origin !== ""));
  return theirs.size === new Set(origins).size && origins.every((origin) => theirs.has(origin));
}

function invalid(message: string): StorageError {
  return new StorageError("InvalidArgument", message, { operation: "configureCors" });
}
