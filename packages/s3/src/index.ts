export { s3Driver } from "./s3-driver.js";
export type { S3Driver } from "./s3-driver.js";
export { defaultTimeouts } from "./s3-driver-options.js";
export type { S3Credentials, S3DriverOptions, S3Timeouts } from "./s3-driver-options.js";
export type { S3AbortUploadsOptions, S3AbortUploadsResult, S3CleanupOptions, S3FailedAbort, S3Upload } from "./upload-registry.js";
export { s3Profiles } from "./s3-profiles.js";
export type { S3Profile, S3ProfileName } from "./s3-profiles.js";
export { computePartSize, defaultPartSize, maxPartSize, maxParts, minPartSize } from "./part-size.js";
export { mapS3Error } from "./map-s3-error.js";
