import { noCapabilities, type Capabilities, type CapabilityHints, type CapabilityName, type UrlSigner } from "@stowage/core";
import { sasSignPutHints } from "./sas-driver-signing.js";
import { azureUploadHints, partSignerOf } from "./azure-upload-capabilities.js";

/** What the driver does over the Blob service REST API with a Shared Key. */
export const azureCapabilities: Readonly<Capabilities> = Object.freeze({
  ...noCapabilities,
  rangeRead: true,
  conditionalGet: true,
  putIfNotExists: true,
  putIfMatch: true,
  // The body is read to its end (and checked by Storage) before Put Blob or Put Block List commits it.
  sha256: true,
  listDelimiter: true,
  copy: true,
  serverSideCopy: true,
  copyIfMatch: true,
  copyIfNotExists: true,
  deleteIfMatch: true,
  // Metadata comes back from List Blobs with include=metadata.
  expiry: true,
});

/** Why the capabilities that are off are off. */
export const azureCapabilityHints: CapabilityHints = Object.freeze({
  listStartAfter:
    "List Blobs has no start-after parameter in the pinned x-ms-version (its marker is an opaque continuation token); page with the cursor instead",
  ...azureUploadHints(false),
});

const noKeyHint =
  "signed URLs are service SAS tokens made from the account key: pass { endpoint, accountName, accountKey } to azureDriver() instead of { client }";

/** The capabilities with service SAS signing (an account key) or without (a ready client). */
export function azureSigningCapabilities(signed: boolean): Readonly<Capabilities> {
  return Object.freeze({ ...azureCapabilities, signGet: signed, signPut: signed });
}

/** Hints for the signing capabilities that are off. */
export function azureSigningHints(signed: boolean): CapabilityHints {
  const sasHints = signed ? sasSignPutHints : { ...Object.fromEntries(Object.keys(sasSignPutHints).map((name) => [name, noKeyHint])), signGet: noKeyHint, signPut: noKeyHint };
  return Object.freeze({
    ...azureCapabilityHints,
    ...sasHints,
    signGetExpiry: signed
      ? "SAS URLs are served by the Blob service, which does not know an object's Stowage expiry, so signGet reads the object first, refuses an expired one and ends the URL no later than the object"
      : noKeyHint,
  });
}

/**
 * Gateway mode (`signing: createHmacSigner(...)`): the signer's capabilities,
 * and upload sessions when it signs part URLs (Put Block List honours
 * `If-None-Match: *`, so create-only completion is atomic).
 */
export function azureGatewayCapabilities(signer: UrlSigner): Readonly<Capabilities> {
  const sessions = partSignerOf(signer) !== undefined;
  return Object.freeze({
    ...azureCapabilities,
    signGet: true,
    signPut: true,
    ...signer.capabilities,
    multipartUpload: sessions,
    signUploadPart: sessions,
    uploadIfNotExists: sessions,
  });
}

/** Hints for gateway mode: upload hints when the signer signs no parts, and the signing constraints it does not enforce. */
export function azureGatewayHints(capabilities: Capabilities): CapabilityHints {
  const hints: Partial<Record<CapabilityName, string>> = { listStartAfter: azureCapabilityHints.listStartAfter! };
  for (const name of Object.keys(capabilities) as CapabilityName[]) {
    if (name.startsWith("sign") && !capabilities[name]) {
      hints[name] = "the signer passed as options.signing does not enforce it; sign with createHmacSigner({ secrets, baseUrl }) from @stowage/core, served by @stowage/http's createSignedUrlHandler, which enforces every constraint";
    }
  }
  return Object.freeze({ ...hints, ...azureUploadHints(capabilities.multipartUpload) });
}
