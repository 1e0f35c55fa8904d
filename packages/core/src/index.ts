export type { Capabilities, CapabilityHints, CapabilityName, SignPutConflict, SignPutConstraint } from "./capabilities.js";
export { noCapabilities, signPutConstraintCapabilities } from "./capabilities.js";
export type { StorageErrorCode, StorageErrorOptions } from "./storage-error.js";
export { StorageError, isStorageError, storageErrorCodes } from "./storage-error.js";
export type {
  ByteRange,
  CopyOptions,
  DeleteOptions,
  DeletePrefixOptions,
  DeletePrefixResult,
  ExistsOptions,
  MoveOptions,
  ObjectFields,
  UpdateMetadataOptions,
  HeadOptions,
  GetOptions,
  ListOptions,
  ListPage,
  ObjectInfo,
  PutBody,
  PutOptions,
  SignedRequest,
  SignGetOptions,
  SignPutCheck,
  SignPutOptions,
  StorageOptions,
  SweepExpiredOptions,
  SweepExpiredResult,
  StoredObject,
} from "./storage-types.js";
export type {
  DriverCompleteUploadOptions,
  DriverUploadPartOptions,
  DriverCreateUploadOptions,
  DriverListUploadsOptions,
  DriverSignUploadPartOptions,
  DriverCopyOptions,
  DriverDeleteOptions,
  DriverMoveOptions,
  DriverObjectFields,
  DriverGetOptions,
  DriverGetResult,
  DriverListOptions,
  DriverOperationOptions,
  DriverPutBody,
  DriverPutOptions,
  DriverRange,
  DriverSignGetOptions,
  DriverSignPutOptions,
  StorageDriver,
  UrlSigner,
} from "./storage-driver.js";
export { Storage, createStorage } from "./storage.js";
export { copyBetween } from "./copy-between.js";
export { validatePublicBaseUrl } from "./public-url.js";
export { Uploads } from "./upload-sessions.js";
export { planUploadParts, partSizeOf, s3UploadLimits, defaultUploadPartSize } from "./upload-plan.js";
export type { UploadLimits, UploadPlan, UploadPlanRequest } from "./upload-plan.js";
export type {
  AbortUploadsOptions,
  CreateUploadOptions,
  ListUploadsOptions,
  SignUploadPartsOptions,
  UploadedPart,
  UploadListing,
  UploadSession,
} from "./upload-types.js";
export type { CopyBetweenOptions } from "./copy-between.js";
export { withPrefix } from "./with-prefix.js";
export { createHmacSigner, toUrlSigner, hmacSignerCapabilities } from "./hmac-signer.js";
export { hmacSigningHint, hmacSigningHints } from "./signing-hints.js";
export type { HmacSignerOptions, HmacUrlSigner } from "./hmac-signer.js";
export type { PartUrlClaims, PartUrlVerification } from "./hmac-part-token.js";
export { createHmacVerifier } from "./hmac-verifier.js";
export type { HmacVerifier, SignedUrlClaims, SignedUrlVerification } from "./hmac-verifier.js";
export { minSecretBytes } from "./hmac-keyring.js";
export type { HmacSecret } from "./hmac-keyring.js";
export { assertValidKey, isValidKey, keyProblem, maxKeyBytes } from "./validate-key.js";
export { maxMetadataBytes, maxExpiresIn, defaultExpiresIn } from "./validate-options.js";
export { expiryMetadataKey } from "./object-expiry.js";
export { compareUtf8, utf8Length } from "./compare-utf8.js";
export { Sha256, sha256Hex, toHex } from "./sha256.js";
export { attachmentDisposition } from "./attachment-disposition.js";
export { isActiveContentType } from "./active-content-type.js";
export { putObjectInfo } from "./put-object-info.js";
export { bytesToStream, readAll } from "./stored-object.js";
export { assertKnownOptions, describe as describeValue, isPlainObject, nearestOption } from "./known-options.js";
export { throwIfAborted } from "./abort-signal.js";
export { httpStatusByCode, httpStatusForCode, httpStatusForError } from "./http-status.js";
export { verifyUpload } from "./verify-upload.js";
export type { UploadExpectation } from "./verify-upload.js";
