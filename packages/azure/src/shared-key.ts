/**
 * Azure Storage Shared Key signing (the "SharedKey" scheme, version
 * 2009-09-19 and later), with WebCrypto HMAC-SHA256: no `node:` imports, so
 * it runs in Workers, browsers and Node alike.
 */

/** The standard headers in the order the string-to-sign lists them. */
const signedStandardHeaders = [
  "content-encoding",
  "content-language",
  "content-length",
  "content-md5",
  "content-type",
  "date",
  "if-modified-since",
  "if-match",
  "if-none-match",
  "if-unmodified-since",
  "range",
] as const;

/**
 * The string Shared Key signs for a request: the verb, the standard headers
 * (`Content-Length` empty when 0), the `x-ms-*` headers lowercased, sorted,
 * values with leading white space trimmed (inner spaces are kept), then the canonicalized resource: `/account` + the URL's
 * encoded path, and each query parameter as `\nname:value` with the name
 * lowercased, names sorted, values decoded (several values of one name
 * joined by `,`, sorted).
 */
export function stringToSign(method: string, url: URL, headers: Headers, accountName: string): string {
  const lines: string[] = [method.toUpperCase()];
  for (const name of signedStandardHeaders) {
    const value = headers.get(name) ?? "";
    lines.push(name === "content-length" && value === "0" ? "" : value);
  }
  const msHeaders: [string, string][] = [];
  headers.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (lower.startsWith("x-ms-")) msHeaders.push([lower, value.trimStart()]);
  });
  msHeaders.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return lines.join("\n") + "\n" + msHeaders.map(([name, value]) => `${name}:${value}\n`).join("") + canonicalizedResource(url, accountName);
}

/** `/account/path` then the sorted, lowercased query parameters (see {@link stringToSign}). */
export function canonicalizedResource(url: URL, accountName: string): string {
  let resource = `/${accountName}${url.pathname}`;
  const params = new Map<string, string[]>();
  for (const [name, value] of url.searchParams) {
    const lower = name.toLowerCase();
    const values = params.get(lower);
    if (values) values.push(value);
    else params.set(lower, [value]);
  }
  for (const name of [...params.keys()].sort()) {
    const values = params.get(name)!.sort();
    resource += `\n${name}:${values.join(",")}`;
  }
  return resource;
}

/** A Shared Key signer for one account: imports the base64 key once. */
export class SharedKeySigner {
  private readonly cryptoKey: Promise<CryptoKey>;

  constructor(
    readonly accountName: string,
    accountKey: string,
  ) {
    this.cryptoKey = crypto.subtle.importKey("raw", base64ToBytes(accountKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  }

  /** HMAC-SHA256 of `text` (UTF-8) with the account key, base64. */
  async hmac(text: string): Promise<string> {
    const signature = await crypto.subtle.sign("HMAC", await this.cryptoKey, new TextEncoder().encode(text));
    return bytesToBase64(new Uint8Array(signature));
  }

  /** The `Authorization` header value for this request. */
  async authorization(method: string, url: URL, headers: Headers): Promise<string> {
    return `SharedKey ${this.accountName}:${await this.hmac(stringToSign(method, url, headers, this.accountName))}`;
  }
}

/** Decodes standard base64. */
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** Encodes standard base64. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let index = 0; index < bytes.length; index += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  }
  return btoa(binary);
}
