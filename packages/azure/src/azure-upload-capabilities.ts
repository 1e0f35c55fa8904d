import type { CapabilityHints, StorageDriver, UploadLimits, UrlSigner } from "@stowage/core";

const mebibyte = 1024 * 1024;

/**
 * Azure's block rules as upload limits: a part is one block (1 byte to
 * 4000 MiB), at most 50,000 committed blocks, parts of unequal sizes
 * allowed. `minPartSize` is 1 MiB, a floor of this driver's (Azure has
 * none) so that a part URL never carries a tiny body; the last part may be
 * smaller.
 */
export const azureUploadLimits: UploadLimits = Object.freeze({
  minPartSize: mebibyte,
  maxPartSize: 4000 * mebibyte,
  maxParts: 50_000,
  equalParts: false,
});

/** A signer that also signs upload-part URLs (`createHmacSigner`: gateway mode). */
export type PartSigner = UrlSigner & { signUploadPart: NonNullable<StorageDriver["signUploadPart"]> };

/** `signer`, when it signs upload parts. */
export function partSignerOf(signer: UrlSigner | undefined): PartSigner | undefined {
  return typeof (signer as Partial<PartSigner> | undefined)?.signUploadPart === "function" ? (signer as PartSigner) : undefined;
}

const gatewaySwitch =
  "pass `signing: createHmacSigner({ secrets, baseUrl })` (from @stowage/core) to azureDriver() and serve baseUrl with @stowage/http's createSignedUrlHandler over this driver (gateway mode)";

const whyNotSas =
  "a service SAS cannot bind a block id, a block-list commit or a length, so a SAS part URL would let its holder write the whole blob or a part of any size";

/** Why the upload capabilities are off (when the signer does not sign parts), and how to switch them on. */
export function azureUploadHints(signsParts: boolean): CapabilityHints {
  if (signsParts) return Object.freeze({});
  return Object.freeze({
    multipartUpload: `upload sessions need part URLs served through a gateway (${whyNotSas}); ${gatewaySwitch}. put() stages blocks itself for large and unknown-length bodies`,
    signUploadPart: `${whyNotSas}; ${gatewaySwitch}`,
    uploadIfNotExists: `needs multipartUpload: ${gatewaySwitch}`,
  });
}
