import type { Capabilities } from "./capabilities.js";
import type { DriverSignGetOptions, DriverSignPutOptions, DriverSignUploadPartOptions, UrlSigner } from "./storage-driver.js";
import type { SignedRequest } from "./storage-types.js";
import { StorageError } from "./storage-error.js";
import { HmacKeyring, toBase64Url, type HmacSecret } from "./hmac-keyring.js";
import { canonicalString, encodeKeyPath, isCanonicalValue, signedParamOrder, signedUrlParams } from "./hmac-token.js";
import { partCanonicalString, partQuery, partUrlParams, type PartUrlFields } from "./hmac-part-token.js";

export interface HmacSignerOptions {
  /**
   * The secrets, newest first: the first one signs, every one verifies. To
   * rotate, put a new secret first, and drop the old one once the longest
   * `expiresIn` has passed.
   */
  secrets: readonly HmacSecret[];
  /**
   * Where the handler (`createSignedUrlHandler` from `@stowage/http`) is
   * mounted, such as `https://files.example.com/__storage`. Signed URLs are
   * `<baseUrl>/<key>?<params>`.
   */
  baseUrl: string;
}

/** The signing capabilities an HMAC signer enforces (through the handler). */
export const hmacSignerCapabilities: Readonly<Partial<Capabilities>> = Object.freeze({
  signGet: true,
  signPut: true,
  signPutContentType: true,
  signPutSize: true,
  signPutMaxSize: true,
  signPutOneTime: true,
  signPutIfNotExists: true,
  signGetExpiry: true,
});

/**
 * The HMAC signer: a `UrlSigner` that also signs upload-part URLs. A driver
 * that stages parts itself (memory, fs) implements
 * `StorageDriver.signUploadPart` by calling `signUploadPart` here and
 * `StorageDriver.uploadPart` for the handler to store the part.
 */
export interface HmacUrlSigner extends UrlSigner {
  /**
   * Mints a URL an unauthenticated client can PUT part `partNumber` of
   * upload `uploadId` of `key` to, once per request, until `expiresAt`. The
   * signature binds the key, the upload id, the part number, the expiry
   * and, when given, the exact `size`; `@stowage/http` refuses any other
   * part, upload, key or length.
   */
  signUploadPart(key: string, uploadId: string, partNumber: number, options: DriverSignUploadPartOptions): Promise<SignedRequest>;
}

/**
 * Creates a `UrlSigner` that mints HMAC-SHA256 signed URLs for drivers without native presigning, such as memory and
 * fs. The signature binds the method, the key, the expiry and every
 * constraint; `@stowage/http` serves and enforces the URLs.
 */
export function createHmacSigner(options: HmacSignerOptions): HmacUrlSigner {
  if (options === null || typeof options !== "object") {
    throw new StorageError("InvalidArgument", "createHmacSigner needs { secrets, baseUrl }");
  }
  const keyring = new HmacKeyring(options.secrets);
  const base = normalizeBaseUrl(options.baseUrl);
  const keyId = keyring.signingId;

  const mint = async (
    method: "GET" | "PUT",
    key: string,
    expiresAt: Date,
    values: Record<string, string | undefined>,
  ): Promise<SignedRequest> => {
    values[signedUrlParams.expires] = String(expiresAt.getTime());
    values[signedUrlParams.keyId] = keyId;
    const ordered: (string | null)[] = [];
    let query = "";
    for (const name of signedParamOrder) {
      const value = values[name];
      if (value === undefined) {
        ordered.push(null);
      } else {
        ordered.push(value);
        query += `${name}=${encodeURIComponent(value)}&`;
      }
    }
    const signature = await keyring.sign(keyId, canonicalString(method, key, ordered));
    return {
      url: `${base}/${encodeKeyPath(key)}?${query}${signedUrlParams.signature}=${signature}`,
      method,
      headers: {},
      expiresAt: new Date(expiresAt.getTime()),
    };
  };

  return {
    capabilities: hmacSignerCapabilities,
    async signPut(key: string, signOptions: DriverSignPutOptions): Promise<SignedRequest> {
      const values: Record<string, string | undefined> = {};
      if (signOptions.contentType !== undefined) values[signedUrlParams.contentType] = signOptions.contentType;
      if (signOptions.size !== undefined) values[signedUrlParams.size] = String(signOptions.size);
      if (signOptions.maxSize !== undefined) values[signedUrlParams.maxSize] = String(signOptions.maxSize);
      if (signOptions.oneTime) values[signedUrlParams.nonce] = randomNonce();
      if (signOptions.ifNotExists) values[signedUrlParams.ifNotExists] = "1";
      const request = await mint("PUT", key, signOptions.expiresAt, values);
      if (signOptions.contentType !== undefined) request.headers["content-type"] = signOptions.contentType;
      return request;
    },
    async signGet(key: string, signOptions: DriverSignGetOptions): Promise<SignedRequest> {
      const values: Record<string, string | undefined> = {};
      if (signOptions.downloadFilename !== undefined) values[signedUrlParams.downloadFilename] = signOptions.downloadFilename;
      if (signOptions.responseContentType !== undefined) {
        values[signedUrlParams.responseContentType] = signOptions.responseContentType;
      }
      if (signOptions.inline) values[signedUrlParams.inline] = "1";
      return mint("GET", key, signOptions.expiresAt, values);
    },
    async signUploadPart(key: string, uploadId: string, partNumber: number, signOptions: DriverSignUploadPartOptions): Promise<SignedRequest> {
      if (typeof uploadId !== "string" || uploadId.length === 0 || !isCanonicalValue(uploadId)) {
        throw new StorageError("InvalidArgument", "uploadId must be a non-empty string without line breaks");
      }
      if (!Number.isSafeInteger(partNumber) || partNumber < 1 || partNumber > 999_999_999) {
        throw new StorageError("InvalidArgument", `partNumber must be a whole number from 1 (got ${String(partNumber)})`);
      }
      const fields: PartUrlFields = { key, uploadId, partNumber, expires: signOptions.expiresAt.getTime(), keyId };
      if (signOptions.size !== undefined) fields.size = signOptions.size;
      const signature = await keyring.sign(keyId, partCanonicalString(fields));
      return {
        url: `${base}/${encodeKeyPath(key)}?${partQuery(fields)}&${partUrlParams.signature}=${signature}`,
        method: "PUT",
        headers: {},
        expiresAt: new Date(signOptions.expiresAt.getTime()),
      };
    },
  };
}

/**
 * Accepts what a driver's `signing` option may be: a ready `UrlSigner`, or
 * the options of `createHmacSigner`.
 */
export function toUrlSigner(signing: UrlSigner | HmacSignerOptions): UrlSigner {
  if (signing !== null && typeof signing === "object") {
    if ("secrets" in signing) return createHmacSigner(signing);
    if (typeof (signing as UrlSigner).signPut === "function" && typeof (signing as UrlSigner).signGet === "function") {
      return signing as UrlSigner;
    }
  }
  throw new StorageError("InvalidArgument", "signing must be a UrlSigner or { secrets, baseUrl }");
}

function normalizeBaseUrl(value: unknown): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new StorageError("InvalidArgument", `baseUrl must be an absolute http(s) URL (got ${JSON.stringify(value)})`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search !== "" || url.hash !== "") {
    throw new StorageError("InvalidArgument", `baseUrl must be an http(s) URL without query or fragment (got ${JSON.stringify(value)})`);
  }
  return url.href.replace(/\/+$/, "");
}

function randomNonce(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}
