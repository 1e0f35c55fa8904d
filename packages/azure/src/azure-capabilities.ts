import { noCapabilities, type Capabilities, type CapabilityHints } from "@stowage/core";

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
  multipartUpload:
    "resumable upload sessions are not mapped onto Azure's staged blocks yet; put() stages blocks itself for large and unknown-length bodies",
  signUploadPart: "needs multipartUpload, which the azure driver does not offer yet",
  uploadIfNotExists: "needs multipartUpload, which the azure driver does not offer yet",
  signGet: "signed URLs (service SAS) are not wired into this azure driver yet",
  signPut: "signed URLs (service SAS) are not wired into this azure driver yet",
  signGetExpiry: "signed URLs (service SAS) are not wired into this azure driver yet",
});
