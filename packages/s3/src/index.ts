export { s3Driver } from "./s3-driver.js";
export type { S3Credentials, S3Driver, S3DriverOptions } from "./s3-driver.js";
export { s3Profiles } from "./s3-profiles.js";
export type { S3Profile, S3ProfileName } from "./s3-profiles.js";
export { computePartSize, defaultPartSize, maxPartSize, maxParts, minPartSize } from "./part-size.js";
export { mapS3Error } from "./map-s3-error.js";
