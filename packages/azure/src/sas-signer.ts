import { StorageError, attachmentDisposition, type SignedRequest } from "@stowage/core";
import { base64ToBytes, bytesToBase64 } from "./shared-key.js";
import { azureApiVersion } from "./azure-rest-client.js";

/**
 * The storage service version service SAS tokens are signed for (`sv`): the
 * driver's pinned REST version. The string-to-sign below is the layout of
 * every version from 2020-12-06 on (with the encryption scope field).
 */
export const sasServiceVersion: string = azureApiVersion;

/** The most a SAS may live: 7 days, as Stowage's other signers. */
const maxLifetimeMs = 7 * 24 * 3600 * 1000;

export interface SasSignerOptions {
  /** The storage account, such as `"mystorage"` (Azurite: `"devstoreaccount1"`). */
  accountName: string;
  /** The account key, base64, as the portal shows it. */
  accountKey: string;
  /**
   * The blob service URL signed URLs point at: `https://<account>.blob.core.windows.net`
   * or Azurite's `http://127.0.0.1:10000/devstoreaccount1` (path-style, account in the path).
   */
  endpoint: string;
}

export interface SasTimes {
  /** When the SAS stops working (`se`). */
  expiresAt: Date;
  /** When it starts working (`st`); default: at once (no `st`, so clock skew cannot refuse a fresh URL). */
  startsAt?: Date;
}

export interface SasGetOptions extends SasTimes {
  /** Served as an attachment with this file name (`rscd`). */
  downloadFilename?: string;
  /** Served with this Content-Type instead of the stored one (`rsct`). */
  responseContentType?: string;
  /**
   * Leave Content-Disposition as stored. Without it (and without
   * `downloadFilename`) the URL asks for `attachment`: the signer cannot
   * know the blob's type, and an HTML or SVG blob must not run on the
   * storage origin. `<img>` and `<video>` still display attachments.
   */
  inline?: boolean;
}

export type SasPutOptions = SasTimes;

/** Mints service SAS URLs for single blobs. */
export interface SasSigner {
  /** A GET (read, `sp=r`) URL for one blob. */
  signGet(container: string, blob: string, options: SasGetOptions): Promise<SignedRequest>;
  /**
   * A PUT (create and write, `sp=cw`) URL for one blob. The client must send
   * `x-ms-blob-type: BlockBlob` (in `headers`). A SAS cannot bind the
   * content type, the size or create-only: any body up to Azure's Put Blob
   * limit is accepted, and an existing blob is overwritten.
   */
  signPut(container: string, blob: string, options: SasPutOptions): Promise<SignedRequest>;
}

/**
 * A service SAS signer from the account key: HMAC-SHA256 over Azure's
 * documented string-to-sign for `sv` = {@link sasServiceVersion}, with WebCrypto only (runs in
 * Workers and browsers-free servers alike, no `node:` imports).
 */
export function sasSigner(options: SasSignerOptions): SasSigner {
  const { accountName, accountKey, endpoint } = checkOptions(options);
  const base = endpoint.replace(/\/+$/, "");
  let keyPromise: Promise<CryptoKey> | undefined;
  const key = (): Promise<CryptoKey> => {
    keyPromise ??= crypto.subtle.importKey("raw", base64ToBytes(accountKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return keyPromise;
  };

  async function sign(container: string, blob: string, fields: SasFields, times: SasTimes): Promise<string> {
    checkName(container, blob);
    const { expiresAt, startsAt } = checkTimes(times);
    const start = startsAt === undefined ? "" : isoSeconds(startsAt);
    const expiry = isoSeconds(expiresAt);
    const resource = `/blob/${accountName}/${container}/${blob}`;
    const stringToSign = [
      fields.permissions,
      start,
      expiry,
      resource,
      "", // signedIdentifier
      "", // signedIP
      "", // signedProtocol (both http and https: Azurite is http)
      sasServiceVersion,
      "b", // signedResource: a blob
      "", // signedSnapshotTime
      "", // signedEncryptionScope
      "", // rscc
      fields.rscd ?? "",
      "", // rsce
      "", // rscl
      fields.rsct ?? "",
    ].join("\n");
    const mac = await crypto.subtle.sign("HMAC", await key(), new TextEncoder().encode(stringToSign));
    const query = new URLSearchParams();
    query.set("sv", sasServiceVersion);
    if (start !== "") query.set("st", start);
    query.set("se", expiry);
    query.set("sr", "b");
    query.set("sp", fields.permissions);
    if (fields.rscd !== undefined) query.set("rscd", fields.rscd);
    if (fields.rsct !== undefined) query.set("rsct", fields.rsct);
    query.set("sig", bytesToBase64(new Uint8Array(mac)));
    return `${base}/${encodeURIComponent(container)}/${encodeBlobName(blob)}?${query.toString().replace(/\+/g, "%20")}`;
  }

  return {
    async signGet(container, blob, getOptions) {
      if (getOptions.inline === true && getOptions.downloadFilename !== undefined) {
        throw invalid("inline cannot be combined with downloadFilename (a download name is served as an attachment)");
      }
      const fields: SasFields = { permissions: "r" };
      if (getOptions.downloadFilename !== undefined) fields.rscd = attachmentDisposition(getOptions.downloadFilename);
      else if (getOptions.inline !== true) fields.rscd = "attachment";
      if (getOptions.responseContentType !== undefined) fields.rsct = getOptions.responseContentType;
      const url = await sign(container, blob, fields, getOptions);
      return { method: "GET", url, headers: {}, expiresAt: getOptions.expiresAt };
    },
    async signPut(container, blob, putOptions) {
      const url = await sign(container, blob, { permissions: "cw" }, putOptions);
      return { method: "PUT", url, headers: { "x-ms-blob-type": "BlockBlob" }, expiresAt: putOptions.expiresAt };
    },
  };
}

interface SasFields {
  permissions: string;
  rscd?: string;
  rsct?: string;
}

/** A blob name as a URL path: each `/`-separated segment percent-encoded. */
export function encodeBlobName(blob: string): string {
  return blob.split("/").map(encodeURIComponent).join("/");
}

/** `2026-11-30T07:01:34Z`: Azure's SAS times, to the second. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function checkOptions(options: SasSignerOptions): SasSignerOptions {
  if (options === null || typeof options !== "object") throw invalid("sasSigner needs { accountName, accountKey, endpoint }");
  const { accountName, accountKey, endpoint } = options;
  if (typeof accountName !== "string" || !/^[a-z0-9]{1,64}$/.test(accountName)) {
    throw invalid(`accountName must be a storage account name (lowercase letters and digits); got ${JSON.stringify(accountName)}`);
  }
  if (typeof accountKey !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(accountKey)) {
    throw invalid("accountKey must be the account key in base64 (as the portal shows it)");
  }
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:") || url.search !== "" || url.hash !== "") {
    throw invalid(`endpoint must be the blob service's http(s) URL without a query; got ${JSON.stringify(endpoint)}`);
  }
  return options;
}

function checkName(container: string, blob: string): void {
  if (typeof container !== "string" || !/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(container)) {
    throw invalid(`container must be an Azure container name (3-63 lowercase letters, digits and single dashes); got ${JSON.stringify(container)}`);
  }
  if (typeof blob !== "string" || blob === "" || blob.length > 1024) throw invalid("blob must be a name of 1 to 1024 characters");
}

function checkTimes(times: SasTimes): { expiresAt: Date; startsAt?: Date } {
  if (times === null || typeof times !== "object") throw invalid("A SAS needs { expiresAt }");
  const { expiresAt, startsAt } = times;
  if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) throw invalid("expiresAt must be a valid Date");
  if (startsAt !== undefined) {
    if (!(startsAt instanceof Date) || Number.isNaN(startsAt.getTime())) throw invalid("startsAt must be a valid Date");
    if (startsAt.getTime() >= expiresAt.getTime()) throw invalid("startsAt must be before expiresAt");
    if (expiresAt.getTime() - startsAt.getTime() > maxLifetimeMs) throw invalid("A SAS may live at most 7 days");
    return { expiresAt, startsAt };
  }
  return { expiresAt };
}

function invalid(message: string): StorageError {
  return new StorageError("InvalidArgument", message, { operation: "sasSigner" });
}
