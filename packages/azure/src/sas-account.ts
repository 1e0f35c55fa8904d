import { StorageError } from "@stowage/core";
import { base64ToBytes, bytesToBase64 } from "./shared-key.js";
import { sasServiceVersion } from "./sas-signer.js";

/** The account an account SAS is made for. */
export interface SasAccount {
  accountName: string;
  /** The account key, base64. */
  accountKey: string;
}

export interface AccountSasOptions {
  /** Account SAS permissions (`sp`), such as `"rw"`. */
  permissions: string;
  /** Resource types (`srt`): `s` service, `c` container, `o` object. */
  resourceTypes: string;
  expiresAt: Date;
}

/**
 * An account SAS query string (`sv=…&ss=b&srt=…&sp=…&se=…&sig=…`) for the
 * blob service: the way to authorize a service-level call (Get/Set Blob
 * Service Properties) with the key without SharedKey request signing. Keep it
 * server-side: it is as strong as its permissions.
 */
export async function accountSasQuery(account: SasAccount, options: AccountSasOptions): Promise<string> {
  const { permissions, resourceTypes, expiresAt } = options;
  if (!/^[racwdlup]+$/.test(permissions)) throw invalid(`permissions must be account SAS letters (racwdlup); got ${JSON.stringify(permissions)}`);
  if (!/^[sco]+$/.test(resourceTypes)) throw invalid(`resourceTypes must be letters of "sco"; got ${JSON.stringify(resourceTypes)}`);
  if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) throw invalid("expiresAt must be a valid Date");
  const expiry = expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z");
  const stringToSign = [
    account.accountName,
    permissions,
    "b", // signedServices: blob
    resourceTypes,
    "", // signedStart
    expiry,
    "", // signedIP
    "", // signedProtocol
    sasServiceVersion,
    "", // signedEncryptionScope
    "", // the string ends with a newline
  ].join("\n");
  const key = await crypto.subtle.importKey("raw", base64ToBytes(account.accountKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(stringToSign)));
  const query = new URLSearchParams({ sv: sasServiceVersion, ss: "b", srt: resourceTypes, sp: permissions, se: expiry, sig: bytesToBase64(mac) });
  return query.toString();
}

function invalid(message: string): StorageError {
  return new StorageError("InvalidArgument", message, { operation: "accountSas" });
}
