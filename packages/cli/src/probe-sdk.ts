import { createRequire } from "node:module";
import { StorageError } from "@stowage/core";

/** An AWS SDK v3 command class (`new PutObjectCommand(input)`). */
export type SdkCommand = new (input: Record<string, unknown>) => unknown;

/** What the probe sends requests with: the S3 driver's own client. */
export interface ProbeClient {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<{ $metadata: { httpStatusCode?: number } } & Record<string, unknown>>;
}

/** The parts of `@stowage/s3` and of the AWS SDK it uses that the probe needs. */
export interface ProbeSdk {
  s3: {
    s3Driver(options: Record<string, unknown>): import("@stowage/core").StorageDriver & { profile: Record<string, unknown> };
    detectS3Profile(options: Record<string, unknown>): Promise<{ profile: Record<string, unknown>; source: string; reason: string }>;
    s3Profiles: Record<string, Record<string, unknown>>;
    genericS3Profile: Record<string, unknown>;
  };
  commands: Record<
    | "PutObjectCommand"
    | "GetObjectCommand"
    | "HeadObjectCommand"
    | "DeleteObjectCommand"
    | "DeleteObjectsCommand"
    | "CopyObjectCommand"
    | "ListObjectsV2Command"
    | "GetBucketCorsCommand"
    | "CreateMultipartUploadCommand"
    | "UploadPartCommand"
    | "CompleteMultipartUploadCommand"
    | "AbortMultipartUploadCommand",
    SdkCommand
  >;
}

/**
 * Loads `@stowage/s3` (an optional peer: the message names it when it is
 * missing) and the AWS SDK's command classes from the copy `@stowage/s3`
 * itself depends on, so the probe's raw requests go through the same SDK,
 * client and settings as the driver's.
 */
export async function loadProbeSdk(): Promise<ProbeSdk> {
  let s3: ProbeSdk["s3"];
  let entry: string;
  try {
    s3 = (await import("@stowage/s3")) as unknown as ProbeSdk["s3"];
    entry = import.meta.resolve("@stowage/s3");
  } catch (error) {
    throw new StorageError("Unsupported", "stowage probe needs the S3 driver: install @stowage/s3 (npm i @stowage/s3)", { cause: error });
  }
  const sdk = createRequire(entry)("@aws-sdk/client-s3") as ProbeSdk["commands"];
  return { s3, commands: sdk };
}
