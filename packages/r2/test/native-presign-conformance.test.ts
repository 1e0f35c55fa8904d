import { env } from "cloudflare:workers";
import { conformanceCases } from "@stowage/conformance";
import { describeConformance } from "@stowage/conformance/vitest";
import { r2Driver, r2Presigner } from "@stowage/r2";
import { presignReference } from "../test-fixtures/presign-reference.ts";

// Native mode (r2Presigner) inside workerd. Its URLs point at R2's S3
// endpoint, which the test cannot reach, so only the cases that stay at the
// minting level run here: the signPut combinations (every combination the
// presigner's capabilities allow is minted, every refusal is discoverable),
// capability gating and options. The rest runs on the same binding in
// r2-conformance.test.ts; the URLs themselves are checked against the AWS
// SDK presigner and Ceph RGW in test-node/.
const bucket = (env as unknown as { BUCKET: R2Bucket }).BUCKET;
const mintingOnly = /^(signPut combinations|capabilities|options):/;

describeConformance({
  name: "r2 native presign (r2Presigner, minting only)",
  create: () => ({
    driver: r2Driver({
      bucket,
      signing: r2Presigner({
        accountId: presignReference.accountId,
        bucketName: presignReference.bucketName,
        accessKeyId: presignReference.accessKeyId,
        secretAccessKey: presignReference.secretAccessKey,
      }),
    }),
  }),
  skip: Object.fromEntries(
    conformanceCases
      .filter((each) => !mintingOnly.test(each.name))
      .map((each) => [each.name, "runs on this binding in r2-conformance.test.ts; these URLs point at R2's S3 endpoint"]),
  ),
});
