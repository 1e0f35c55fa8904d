import { createHmacVerifier, type HmacSecret, type UploadSession } from "@stowage/core";

/**
 * Seals an `UploadSession` into an opaque token with HMAC-SHA-256, so a
 * client can carry it between the upload routes but never change the key,
 * upload id, size or constraints in it.
 *
 * Layout: `<payload>.<signature>.<secret id>`, each part base64url except the
 * id (which may hold dots, so it comes last). The MAC covers a fixed label,
 * the id and the payload: a token can never pass for a signed URL made with
 * the same secrets, nor the other way round. The first secret seals; every
 * secret opens, so secrets rotate as they do for signed URLs.
 *
 * The keyring is local because `@stowage/core` does not export its
 * `HmacKeyring`: the secret list is checked by core's own rules (through
 * `createHmacVerifier`), and the MAC runs on `crypto.subtle`, whose `verify`
 * compares in constant time. The payload is signed, not encrypted: the
 * client can read the session (key, upload id, sizes), but not change it.
 */
export interface UploadTokenSealer {
  seal(session: UploadSession): Promise<string>;
  /** The session, or why the token is refused (never throws for a bad token). */
  open(token: string): Promise<{ ok: true; session: UploadSession } | { ok: false; message: string }>;
}

const label = "stowage-upload-session-v1";
const base64UrlPattern = /^[A-Za-z0-9_-]+$/;
/** A session holds a key of at most 1024 bytes and a few numbers; 8 KiB is ample. */
export const maxTokenLength = 8192;
const encoder = new TextEncoder();

/** A sealer keyed by `secrets` (newest first; the first seals). */
export function createUploadTokenSealer(secrets: readonly HmacSecret[]): UploadTokenSealer {
  // Checks the list exactly as the URL signer does (ids, lengths, duplicates).
  createHmacVerifier({ secrets });
  const keys = new Map<string, Promise<CryptoKey>>();
  for (const { id, secret } of secrets) {
    const bytes = typeof secret === "string" ? encoder.encode(secret) : new Uint8Array(secret);
    keys.set(id, crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]));
  }
  const signingId = secrets[0]!.id;
  const signedText = (id: string, payload: string) => encoder.encode(`${label}\n${id}\n${payload}`);

  return {
    async seal(session) {
      const payload = toBase64Url(encoder.encode(JSON.stringify(session)));
      const signature = await crypto.subtle.sign("HMAC", await keys.get(signingId)!, signedText(signingId, payload));
      return `${payload}.${toBase64Url(new Uint8Array(signature))}.${signingId}`;
    },
    async open(token) {
      const refuse = (message: string) => ({ ok: false as const, message });
      if (typeof token !== "string" || token.length === 0) return refuse("token must be the string the create route returned");
      if (token.length > maxTokenLength) return refuse("the token is too long to be one this server made");
      const first = token.indexOf(".");
      const second = token.indexOf(".", first + 1);
      if (first < 1 || second < first + 2) return refuse("the token is malformed");
      const payload = token.slice(0, first);
      const signature = token.slice(first + 1, second);
      const id = token.slice(second + 1);
      if (!base64UrlPattern.test(payload) || !base64UrlPattern.test(signature)) return refuse("the token is malformed");
      const key = keys.get(id);
      if (key === undefined) return refuse("the token was sealed with an unknown secret");
      const signatureBytes = fromBase64Url(signature);
      if (signatureBytes === undefined || signatureBytes.byteLength !== 32) return refuse("the token's signature is malformed");
      // crypto.subtle.verify compares the MACs in constant time.
      if (!(await crypto.subtle.verify("HMAC", await key, signatureBytes, signedText(id, payload)))) {
        return refuse("the token's signature does not match: it was changed, or made by another server");
      }
      const bytes = fromBase64Url(payload);
      let session: unknown;
      try {
        session = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
      } catch {
        return refuse("the token's session is not JSON");
      }
      if (!isSessionShaped(session)) return refuse("the token does not hold an upload session");
      return { ok: true, session };
    },
  };
}

function isSessionShaped(value: unknown): value is UploadSession {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const session = value as Record<string, unknown>;
  return typeof session.key === "string" && typeof session.uploadId === "string" && typeof session.expiresAt === "string";
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (let index = 0; index < bytes.length; index++) binary += String.fromCharCode(bytes[index]!);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (text.length % 4 === 1) return undefined;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
    const bytes = new Uint8Array(binary.length);
    for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
    return bytes;
  } catch {
    return undefined;
  }
}
