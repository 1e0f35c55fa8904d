import type { CapabilityHints, DriverOperationOptions, StorageDriver, UploadedPart, UploadLimits, UrlSigner } from "@stowage/core";

const mebibyte = 1024 * 1024;

/**
 * R2's multipart rules: parts of 5 MiB to 5 GiB, at most 10,000, and every
 * part but the last of the same size (R2 refuses unequal parts with 10048).
 */
export const r2UploadLimits: UploadLimits = Object.freeze({
  minPartSize: 5 * mebibyte,
  maxPartSize: 5 * 1024 * mebibyte,
  maxParts: 10_000,
  equalParts: true,
});

/**
 * A signer that also signs upload-part URLs: `createHmacSigner` (gateway
 * mode, the parts PUT through `@stowage/http` into `uploadPart`) or
 * `r2Presigner` (native mode, the parts PUT straight to R2's S3 endpoint,
 * which is why it also lists them there).
 */
export type PartSigner = UrlSigner & {
  signUploadPart: NonNullable<StorageDriver["signUploadPart"]>;
  listUploadParts?: (key: string, uploadId: string, options: DriverOperationOptions) => Promise<UploadedPart[]>;
};

/** `signer`, when it signs upload parts. */
export function partSignerOf(signer: UrlSigner | undefined): PartSigner | undefined {
  return typeof (signer as Partial<PartSigner> | undefined)?.signUploadPart === "function" ? (signer as PartSigner) : undefined;
}

/** Why the upload capabilities that are off are off, and how to switch on those that can be. */
export function r2UploadHints(signsParts: boolean): CapabilityHints {
  return Object.freeze({
    uploadIfNotExists:
      "the R2 binding's multipart complete() takes no condition (no onlyIf), so two sessions racing for one key cannot be told apart atomically; " +
      "for create-only uploads, put the object with ifNotExists (one request up to 5 GiB), or complete without ifNotExists",
    ...(signsParts
      ? {}
      : {
          signUploadPart:
            "pass `signing: createHmacSigner({ secrets, baseUrl })` to r2Driver() and serve baseUrl with @stowage/http's createSignedUrlHandler in a Worker route (gateway mode), " +
            "or `signing: r2Presigner({ accountId, bucketName, accessKeyId, secretAccessKey })` for part URLs on R2's S3 endpoint (native mode)",
        }),
  });
}
