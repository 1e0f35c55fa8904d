import { env } from "cloudflare:workers";
import { conformanceCases } from "@stowage/conformance";
import { describeConformance } from "@stowage/conformance/vitest";
import { r2Driver, r2Presigner } from "@stowage/r2";
import { fakeR2S3Endpoint } from "./fake-r2-s3-endpoint.ts";

// Native mode's upload sessions inside workerd: the binding creates,
// completes and aborts; part URLs are presigned for R2's S3 endpoint and the
// Worker lists parts with a presigned ListParts. The test cannot reach R2,
// so both go to a stand-in for its S3 endpoint that serves them over the
// same binding (fake-r2-s3-endpoint.ts); the URLs themselves are checked
// against the AWS SDK presigner in test-node/upload-part-sdk-equality.test.ts.
const bucket = (env as unknown as { BUCKET: R2Bucket }).BUCKET;
const credentials = { accessKeyId: "R2NATIVEUPLOADS0123", secretAccessKey: "a native-mode secret/with+chars=0123456789" };
const bucketName = "stowage-native";
const endpoint = fakeR2S3Endpoint({ bucket, bucketName, ...credentials });

describeConformance({
  name: "r2 native uploads (r2Presigner part URLs, a stand-in S3 endpoint over the binding)",
  create: () => ({
    driver: r2Driver({
      bucket,
      signing: r2Presigner({ accountId: "0123456789abcdef0123456789abcdef", bucketName, ...credentials, fetch: endpoint }),
    }),
    fetch: (request) => endpoint(request),
  }),
  skip: Object.fromEntries(
    conformanceCases
      .filter((each) => !each.name.startsWith("uploads:"))
      .map((each) => [each.name, "runs on this binding in r2-conformance.test.ts and native-presign-conformance.test.ts; only upload sessions need the stand-in endpoint"]),
  ),
});
