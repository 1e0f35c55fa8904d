// The portable upload flow (upload-flow-suite.ts) on the upload app over fs,
// memory and S3 (Ceph RGW): the same suite, the same app code, only the
// STORAGE_URL differs.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { startUploadApp } from "../src/start-upload-app.js";
import { describeUploadFlow, type RunningUploadFlowApp } from "./upload-flow-suite.js";
import { loadAssets } from "./e2e-setup.js";

async function startOn(storageUrl: string, cleanup: () => Promise<void>): Promise<RunningUploadFlowApp> {
  try {
    const app = await startUploadApp({ storageUrl, assets: await loadAssets() });
    return {
      baseUrl: app.url,
      async stop() {
        await app.close();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

describeUploadFlow({
  name: "fs",
  async start() {
    const root = await mkdtemp(join(tmpdir(), "stowage-upload-flow-"));
    return startOn(`file://${root}`, () => rm(root, { recursive: true, force: true }));
  },
});

describeUploadFlow({
  name: "memory",
  start: () => startOn("memory://", async () => {}),
});

const env = process.env;
describeUploadFlow({
  name: "s3 (Ceph RGW)",
  limitations: {
    "tampered URL": {
      code: "Network",
      reason:
        "Ceph RGW 16.2 answers a presigned PUT whose signature does not match with 403 SignatureDoesNotMatch and no CORS headers, whatever the bucket's CORS rule (packages/s3/test/configure-cors.test.ts), so the browser gets status 0 and cannot read the refusal; a server sees the 403",
    },
  },
  ...(env.S3_ENDPOINT ? {} : { unavailable: "S3_ENDPOINT is not set (start Ceph RGW with scripts/ceph/start.sh DIR and . DIR/env)" }),
  async start() {
    const endpoint = env.S3_ENDPOINT!;
    const region = env.S3_REGION ?? "us-east-1";
    const bucket = `upload-flow-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    const client = new S3Client({ region, endpoint, forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const params = new URLSearchParams({ region, endpoint, forcePathStyle: "true", profile: "ceph-rgw" });
    return startOn(`s3://${bucket}?${params}`, async () => {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      const keys = (listed.Contents ?? []).map((object) => ({ Key: object.Key! }));
      if (keys.length > 0) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      client.destroy();
    });
  },
});
