import { StorageError } from "./storage-error.js";
import { HmacKeyring, constantTimeEqual, type HmacSecret } from "./hmac-keyring.js";
import { canonicalString, isCanonicalValue, signedParamOrder, signedUrlParams } from "./hmac-token.js";
import { isPartUrl, verifyPartUrl, type PartUrlVerification } from "./hmac-part-token.js";

export type { PartUrlClaims, PartUrlVerification } from "./hmac-part-token.js";

/** What a valid signed URL allows. */
export interface SignedUrlClaims {
  method: "GET" | "PUT";
  key: string;
  keyId: string;
  expiresAt: Date;
  contentType?: string;
  size?: number;
  maxSize?: number;
  /** Present on a one-time URL. */
  nonce?: string;
  ifNotExists: boolean;
  downloadFilename?: string;
  responseContentType?: string;
  /** The signer opted in to inline serving of active types (`signGet(k, { inline: true })`). */
  inline: boolean;
}

export type SignedUrlVerification =
  | { ok: true; claims: SignedUrlClaims }
  | { ok: false; reason: "signature" | "expired"; message: string };

export interface HmacVerifier {
  /**
   * Checks a request's signature (in constant time) and expiry. `method` is
   * the signed method (`HEAD` requests pass `GET`), `key` the decoded key from
   * the path, `params` the URL's query, `now` milliseconds since the epoch.
   * Any unknown, repeated or changed parameter fails as `signature`.
   */
  verify(method: "GET" | "PUT", key: string, params: URLSearchParams, now: number): Promise<SignedUrlVerification>;
  /**
   * True when the query is an upload-part URL's (it has `upload-id`): verify
   * it with `verifyPart`. `verify` refuses every part URL, so a handler that
   * does not serve parts can never store one as an object.
   */
  isPartUrl(params: URLSearchParams): boolean;
  /**
   * Checks an upload-part URL (from the HMAC signer's `signUploadPart`): its
   * signature, in constant time, over the key, upload id, part number,
   * expiry and size, and its expiry. A PUT is the only method a part URL
   * allows.
   */
  verifyPart(key: string, params: URLSearchParams, now: number): Promise<PartUrlVerification>;
}

const knownParams = new Set<string>([...signedParamOrder, signedUrlParams.signature]);
const integerPattern = /^(0|[1-9][0-9]{0,15})$/;

/** Verifies URLs minted by `createHmacSigner` with any of `secrets`. */
export function createHmacVerifier(options: { secrets: readonly HmacSecret[] }): HmacVerifier {
  if (options === null || typeof options !== "object") throw new StorageError("InvalidArgument", "createHmacVerifier needs { secrets }");
  const keyring = new HmacKeyring(options.secrets);
  return {
    isPartUrl,
    verifyPart: (key, params, now) => verifyPartUrl(keyring, key, params, now),
    async verify(method, key, params, now) {
      const bad = (message: string): SignedUrlVerification => ({ ok: false, reason: "signature", message });
      const seen = new Set<string>();
      for (const name of params.keys()) {
        if (!knownParams.has(name)) return bad(`unknown query parameter ${JSON.stringify(name)}`);
        if (seen.has(name)) return bad(`query parameter ${JSON.stringify(name)} appears twice`);
        seen.add(name);
      }
      const signature = params.get(signedUrlParams.signature);
      const keyId = params.get(signedUrlParams.keyId);
      const expires = params.get(signedUrlParams.expires);
      if (signature === null || keyId === null || expires === null) return bad("the URL is not signed");
      if (!keyring.has(keyId)) return bad("the URL was signed with an unknown key id");
      const values = signedParamOrder.map((name) => params.get(name));
      if (!isCanonicalValue(key) || values.some((value) => value !== null && !isCanonicalValue(value))) {
        return bad("the URL holds a line break");
      }
      const expected = await keyring.sign(keyId, canonicalString(method, key, values));
      if (!constantTimeEqual(signature, expected)) return bad("the signature does not match");

      // Signed by us from here on; the values were written by the signer.
      const claims: SignedUrlClaims = {
        method,
        key,
        keyId,
        expiresAt: new Date(Number(expires)),
        ifNotExists: params.get(signedUrlParams.ifNotExists) === "1",
        inline: params.get(signedUrlParams.inline) === "1",
      };
      if (!integerPattern.test(expires)) return bad("the expiry is malformed");
      const contentType = params.get(signedUrlParams.contentType);
      if (contentType !== null) claims.contentType = contentType;
      const size = params.get(signedUrlParams.size);
      if (size !== null) {
        if (!integerPattern.test(size)) return bad("size is malformed");
        claims.size = Number(size);
      }
      const maxSize = params.get(signedUrlParams.maxSize);
      if (maxSize !== null) {
        if (!integerPattern.test(maxSize)) return bad("max-size is malformed");
        claims.maxSize = Number(maxSize);
      }
      const nonce = params.get(signedUrlParams.nonce);
      if (nonce !== null) claims.nonce = nonce;
      const filename = params.get(signedUrlParams.downloadFilename);
      if (filename !== null) claims.downloadFilename = filename;
      const responseContentType = params.get(signedUrlParams.responseContentType);
      if (responseContentType !== null) claims.responseContentType = responseContentType;
      if (now >= claims.expiresAt.getTime()) {
        return { ok: false, reason: "expired", message: `the URL expired at ${claims.expiresAt.toISOString()}` };
      }
      return { ok: true, claims };
    },
  };
}
