import type { S3Client } from "@aws-sdk/client-s3";
import type { S3Profile } from "./s3-profiles.js";

/** What every operation of the driver shares (OpenDAL's "core"): the client, the bucket and the profile. */
export interface S3Context {
  readonly client: S3Client;
  readonly bucket: string;
  readonly profile: S3Profile;
}
