import { S3Client } from "@aws-sdk/client-s3";
import type { S3Credentials, S3Timeouts } from "./s3-driver-options.js";

/** What the driver's own `S3Client` is built from. */
export interface S3ClientSettings {
  region: string;
  endpoint?: string;
  credentials?: S3Credentials;
  forcePathStyle: boolean;
  timeouts: Required<S3Timeouts>;
}

/**
 * The `S3Client` the driver builds when none is passed in: the SDK's checksum
 * modes at `WHEN_REQUIRED` (the default aws-chunked CRC32 breaks streaming on
 * RGW with 411 and adds checksum parameters to presigned URLs), and the
 * connect, idle and request time limits on its HTTP handler.
 */
export function createS3Client(settings: S3ClientSettings): S3Client {
  const { connect, idle, request } = settings.timeouts;
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    ...(settings.credentials === undefined ? {} : { credentials: settings.credentials }),
    forcePathStyle: settings.forcePathStyle,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    // The SDK's handler options (NodeHttpHandler in Node): connectionTimeout
    // for the TCP/TLS handshake, socketTimeout for an idle socket, and
    // requestTimeout (only an error with throwOnRequestTimeout) for the whole
    // request. 0 leaves a limit off.
    requestHandler: {
      connectionTimeout: connect,
      socketTimeout: idle,
      requestTimeout: request,
      throwOnRequestTimeout: request > 0,
    },
  });
}
