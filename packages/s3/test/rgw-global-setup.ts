import { s3ServerSetup } from "./s3-server-setup.ts";

/** The `s3` project's server: Ceph RGW (S3_ENDPOINT, or one started for the run). */
export default s3ServerSetup("ceph-rgw");
