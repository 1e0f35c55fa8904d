import { s3ServerSetup } from "./s3-server-setup.ts";

/** The `s3-swift` project's server: OpenStack Swift (SWIFT_S3_ENDPOINT, or one started for the run). */
export default s3ServerSetup("swift");
