// Shared by the Chromium end-to-end files: the page's assets, built from
// src/browser, and the two storages they run on (fs, and S3 on Ceph RGW),
// with the CI rule that the RGW run is never skipped.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { build } from "esbuild";
import { AzureRestClient } from "@stowage/azure";
import type { Asset } from "../src/upload-app.js";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** The page: index.html, style.css and the bundled browser app. */
export async function loadAssets(): Promise<Record<string, Asset>> {
  const script = await build({
    entryPoints: [here("../src/browser/app.ts")],
    bundle: true,
    format: "esm",
    target: "es2022",
    write: false,
    alias: { "@stowage/client": here("../../../packages/client/src/index.ts") },
  });
  return {
    "/": { body: await readFile(here("../public/index.html"), "utf8"), type: "text/html; charset=utf-8" },
    "/style.css": { body: await readFile(here("../public/style.css"), "utf8"), type: "text/css; charset=utf-8" },
    "/app.js": { body: script.outputFiles[0]!.text, type: "text/javascript; charset=utf-8" },
  };
}

export interface Provider {
  name: "fs" | "s3" | "azure";
  /** Signed URLs are served by the app's own handler (HMAC gateway), not by the storage service. */
  gateway: boolean;
  /** Whether a list cursor this driver did not make is taken as one (S3 takes any token as a marker). */
  acceptsCursor(cursor: string): boolean;
  /** Why it cannot run here; undefined when it can. */
  unavailable?: string;
  open(): Promise<{ storageUrl: string; cleanup(): Promise<void> }>;
}

/**
 * fs (a scratch root) and S3 on Ceph RGW (a fresh bucket, from the
 * S3_ENDPOINT the test script exports), named after `scratch`; with
 * `azure`, also Azure Blob on Azurite (a fresh prefix of AZURE_CONTAINER,
 * gateway signing as the app configures it for every non-S3 URL). With
 * CI=true a missing server throws: no run may be skipped.
 */
export function e2eProviders(scratch: string, options: { azure?: boolean } = {}): Provider[] {
  const env = process.env;
  const providers: Provider[] = [
    {
      name: "fs",
      gateway: true,
      // fs cursors are "k:<key>"; anything else is refused.
      acceptsCursor: (cursor) => cursor.startsWith("k:"),
      async open() {
        const root = await mkdtemp(join(tmpdir(), `stowage-${scratch}-`));
        return { storageUrl: `file://${root}`, cleanup: () => rm(root, { recursive: true, force: true }) };
      },
    },
    {
      name: "s3",
      gateway: false,
      acceptsCursor: () => true,
      ...(env.S3_ENDPOINT ? {} : { unavailable: "S3_ENDPOINT is not set (start Ceph RGW with scripts/ceph/start.sh DIR and . DIR/env)" }),
      async open() {
        const endpoint = env.S3_ENDPOINT!;
        const region = env.S3_REGION ?? "us-east-1";
        const bucket = `${scratch}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
        const client = new S3Client({ region, endpoint, forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
        const params = new URLSearchParams({ region, endpoint, forcePathStyle: "true", profile: "ceph-rgw" });
        return {
          storageUrl: `s3://${bucket}?${params}`,
          async cleanup() {
            const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
            const keys = (listed.Contents ?? []).map((object) => ({ Key: object.Key! }));
            if (keys.length > 0) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
            await client.send(new DeleteBucketCommand({ Bucket: bucket }));
            client.destroy();
          },
        };
      },
    },
  ];
  if (options.azure) {
    providers.push({
      name: "azure",
      gateway: true,
      // The azure driver's cursors start "az1."; anything else is refused.
      acceptsCursor: (cursor) => cursor.startsWith("az1."),
      ...(env.AZURE_BLOB_ENDPOINT ? {} : { unavailable: "AZURE_BLOB_ENDPOINT is not set (start Azurite with scripts/azurite/start.sh DIR and . DIR/env)" }),
      async open() {
        // A container of its own: the app signs through its gateway, which openStorage refuses with a key prefix.
        const client = new AzureRestClient({ endpoint: env.AZURE_BLOB_ENDPOINT!, accountName: env.AZURE_STORAGE_ACCOUNT!, accountKey: env.AZURE_STORAGE_KEY! });
        const container = `${scratch}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
        const created = await client.request({ method: "PUT", path: container, query: { restype: "container" } });
        await created.body?.cancel();
        if (created.status !== 201) throw new Error(`creating the Azurite container ${container}: ${created.status}`);
        return {
          storageUrl: `azure://${container}`,
          async cleanup() {
            const deleted = await client.request({ method: "DELETE", path: container, query: { restype: "container" } });
            await deleted.body?.cancel();
          },
        };
      },
    });
  }
  if (env.CI === "true" && providers.some((provider) => provider.unavailable)) {
    throw new Error(`CI=true: the end-to-end runs (${scratch}) must not be skipped, but ${providers.find((provider) => provider.unavailable)!.unavailable}`);
  }
  return providers;
}
