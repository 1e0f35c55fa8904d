// The S3 driver against a stalled server: radosgw frozen (SIGSTOP) or killed
// (SIGKILL) in the middle of a multipart upload. These tests stop and kill
// radosgw, so they run against a DEDICATED cluster started here (its own state
// dir and ports), never the shared one the other test files use.
import { ListMultipartUploadsCommand, S3Client } from "@aws-sdk/client-s3";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createStorage, isStorageError } from "@stowage/core";
import { s3Driver, type S3Driver, type S3DriverOptions } from "@stowage/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawClient, s3Environment, type S3TestEnvironment } from "./s3-test-environment.ts";

const cephScripts = fileURLToPath(new URL("../../../scripts/ceph/", import.meta.url));
const mebibyte = 1024 * 1024;
const prefix = `stall-test/${Date.now().toString(36)}/`;

/** A stream of unknown length that never ends: 1 MiB chunks, produced on demand. */
function endlessStream(): { stream: ReadableStream<Uint8Array>; produced: () => number } {
  let produced = 0;
  const chunk = new Uint8Array(mebibyte).fill(7);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(chunk.slice());
      produced += mebibyte;
    },
  });
  return { stream, produced: () => produced };
}

interface Settled {
  settled: boolean;
  error?: unknown;
  value?: unknown;
  ms: number;
}

/** How `promise` settles, or `settled: false` when it is still pending after `limitMs`. */
async function settleWithin(promise: Promise<unknown>, limitMs: number, startedAt = performance.now()): Promise<Settled> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ settled: false, ms: performance.now() - startedAt }), limitMs);
  });
  const outcome = promise.then(
    (value) => ({ settled: true, value, ms: performance.now() - startedAt }),
    (error: unknown) => ({ settled: true, error, ms: performance.now() - startedAt }),
  );
  try {
    return await Promise.race([outcome, pending]);
  } finally {
    clearTimeout(timer);
  }
}

async function eventually(check: () => Promise<boolean>, limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

const environment = s3Environment();

// Ceph RGW only (the s3 project): it freezes and kills a radosgw of its own.
describe.skipIf(environment === null)("s3 driver against a stalled RGW (dedicated cluster)", () => {
  let stateDir = "";
  let dedicated: S3TestEnvironment;
  let raw: S3Client;
  let frozenPid: number | undefined;

  const rgwPid = () => Number(readFileSync(join(stateDir, "run", "client.rgw.gw.pid"), "utf8").trim());
  const freeze = () => {
    frozenPid = rgwPid();
    process.kill(frozenPid, "SIGSTOP");
  };
  const thaw = () => {
    if (frozenPid !== undefined) process.kill(frozenPid, "SIGCONT");
    frozenPid = undefined;
  };
  const make = (overrides: Partial<S3DriverOptions> = {}): S3Driver =>
    s3Driver({
      bucket: dedicated.bucket,
      region: dedicated.region,
      endpoint: dedicated.endpoint,
      credentials: { accessKeyId: dedicated.accessKeyId, secretAccessKey: dedicated.secretAccessKey },
      profile: "ceph-rgw",
      multipartThreshold: 5 * mebibyte,
      partSize: 5 * mebibyte,
      ...overrides,
    });
  const openUploads = async (keyPrefix: string): Promise<string[]> => {
    const output = await raw.send(new ListMultipartUploadsCommand({ Bucket: dedicated.bucket, Prefix: keyPrefix }));
    return (output.Uploads ?? []).map((upload) => upload.UploadId ?? "");
  };

  beforeAll(() => {
    stateDir = mkdtempSync(join(tmpdir(), "stowage-ceph-stall."));
    rmdirSync(stateDir);
    execFileSync("bash", [join(cephScripts, "start.sh"), stateDir], { stdio: ["ignore", "ignore", "inherit"] });
    const values = Object.fromEntries(
      readFileSync(join(stateDir, "env"), "utf8")
        .split("\n")
        .filter((line) => line.includes("="))
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    dedicated = {
      profile: "ceph-rgw",
      label: "Ceph RGW (dedicated)",
      endpoint: values.S3_ENDPOINT!,
      bucket: values.S3_BUCKET!,
      region: values.S3_REGION!,
      accessKeyId: values.AWS_ACCESS_KEY_ID!,
      secretAccessKey: values.AWS_SECRET_ACCESS_KEY!,
    };
    expect(dedicated.endpoint).not.toBe(environment!.endpoint);
    raw = rawClient(dedicated);
  });

  afterAll(() => {
    thaw();
    if (stateDir !== "") spawnSync("bash", [join(cephScripts, "stop.sh"), stateDir], { stdio: "inherit" });
  });

  it("SIGSTOP mid-upload: the aborted put returns within 1 s, head/list/delete honour their signals, cleanup leaves no upload", async () => {
    const driver = make({ timeouts: { cleanup: 1000 } });
    const storage = createStorage(driver);
    const key = `${prefix}frozen.bin`;
    await storage.put(key, "old value");

    const controller = new AbortController();
    const source = endlessStream();
    const put = storage.put(key, source.stream, { signal: controller.signal });
    put.catch(() => {});
    // The multipart upload has started (and parts are flowing) before the freeze.
    expect(await eventually(async () => (await openUploads(key)).length === 1 && source.produced() >= 12 * mebibyte, 20_000)).toBe(true);
    const uploadId = (await openUploads(key))[0];
    freeze();
    try {
      const abortedAt = performance.now();
      controller.abort(new Error("the user gave up"));
      const putOutcome = await settleWithin(put, 5000, abortedAt);
      expect(putOutcome.settled, "the aborted put was still pending 5 s after the abort").toBe(true);
      expect(putOutcome.ms).toBeLessThan(1000);
      expect(isStorageError(putOutcome.error, "Aborted")).toBe(true);

      // Storage races reads and deletes against the signal; the driver itself
      // must stop its own requests too, so both levels are checked.
      const calls: Array<[string, (signal: AbortSignal) => Promise<unknown>]> = [
        ["Storage.head", (signal) => storage.head(key, { signal })],
        ["Storage.list", (signal) => storage.list({ prefix, signal })],
        ["Storage.delete", (signal) => storage.delete(`${prefix}other`, { signal })],
        ["driver.head", (signal) => driver.head(key, { signal })],
        ["driver.list", (signal) => driver.list({ prefix, limit: 10, signal })],
        ["driver.delete (one key)", (signal) => driver.delete([`${prefix}other`], { signal })],
        ["driver.delete (two keys)", (signal) => driver.delete([`${prefix}other`, `${prefix}another`], { signal })],
      ];
      for (const [name, call] of calls) {
        const started = performance.now();
        const outcome = await settleWithin(call(AbortSignal.timeout(200)), 3000, started);
        expect(outcome.settled, `${name} was still pending 3 s into the freeze (signal aborted at 200 ms)`).toBe(true);
        expect(outcome.ms, name).toBeLessThan(1000);
        expect(isStorageError(outcome.error, "Aborted"), `${name}: ${String(outcome.error)}`).toBe(true);
      }

      // Its AbortMultipartUpload could not finish within the cleanup timeout: recorded.
      expect(await eventually(async () => driver.failedAborts.some((upload) => upload.uploadId === uploadId), 5000)).toBe(true);
    } finally {
      thaw();
    }

    const result = await driver.cleanup();
    expect(result.failed).toEqual([]);
    expect(driver.failedAborts).toEqual([]);
    expect(await openUploads(key)).toEqual([]);
    expect(await (await storage.get(key))!.text()).toBe("old value");
  });

  it("SIGKILL mid-upload, restart: the upload is left open, and abortUploads removes it", async () => {
    const driver = make({ timeouts: { cleanup: 1000 } });
    const storage = createStorage(driver);
    const key = `${prefix}killed.bin`;
    await storage.put(key, "old value");

    const source = endlessStream();
    const put = storage.put(key, source.stream);
    put.catch(() => {});
    expect(await eventually(async () => (await openUploads(key)).length === 1 && source.produced() >= 12 * mebibyte, 20_000)).toBe(true);
    const uploadId = (await openUploads(key))[0];
    process.kill(rgwPid(), "SIGKILL");

    const outcome = await settleWithin(put, 20_000);
    expect(outcome.settled).toBe(true);
    expect(isStorageError(outcome.error, "Unavailable")).toBe(true);
    expect((outcome.error as { retryable?: boolean }).retryable).toBe(true);
    // Its AbortMultipartUpload found no server: recorded.
    expect(driver.failedAborts.map((upload) => upload.uploadId)).toContain(uploadId);

    execFileSync("bash", [join(cephScripts, "restart-rgw.sh"), stateDir], { stdio: ["ignore", "ignore", "inherit"] });
    // Only radosgw died; the osd kept the cluster's data, so the upload really is still open.
    expect(await openUploads(key)).toEqual([uploadId]);
    expect(await (await storage.get(key))!.text()).toBe("old value");

    // A new driver (as after a process restart) knows nothing: it finds the upload by listing.
    const fresh = make();
    expect(fresh.failedAborts).toEqual([]);
    const result = await fresh.abortUploads({ prefix });
    expect(result.aborted.map((upload) => upload.uploadId)).toEqual([uploadId]);
    expect(result.failed).toEqual([]);
    expect(await openUploads(prefix)).toEqual([]);
    // The first driver's record is stale now; its cleanup finds the upload gone and forgets it.
    const stale = await driver.cleanup();
    expect(stale.failed).toEqual([]);
    expect(driver.failedAborts).toEqual([]);
    expect(await (await storage.get(key))!.text()).toBe("old value");
  });

  it("abortUploads spares this driver's uploads still in flight and respects olderThan", async () => {
    const driver = make();
    const storage = createStorage(driver);
    const key = `${prefix}in-flight.bin`;
    const leftoverKey = `${prefix}leftover.bin`;
    // A leftover from someone else (created with the raw client, never completed).
    const { CreateMultipartUploadCommand } = await import("@aws-sdk/client-s3");
    const leftover = await raw.send(new CreateMultipartUploadCommand({ Bucket: dedicated.bucket, Key: leftoverKey }));

    const controller = new AbortController();
    const source = endlessStream();
    const put = storage.put(key, source.stream, { signal: controller.signal });
    put.catch(() => {});
    expect(await eventually(async () => (await openUploads(key)).length === 1, 20_000)).toBe(true);

    const young = await driver.abortUploads({ prefix, olderThan: 3_600_000 });
    expect(young.aborted).toEqual([]);
    expect(await openUploads(leftoverKey)).toEqual([leftover.UploadId]);

    const swept = await driver.abortUploads({ prefix });
    expect(swept.aborted.map((upload) => upload.uploadId)).toEqual([leftover.UploadId]);
    expect(await openUploads(leftoverKey)).toEqual([]);
    expect((await openUploads(key)).length).toBe(1);

    controller.abort();
    expect(isStorageError((await settleWithin(put, 5000)).error, "Aborted")).toBe(true);
    expect(await eventually(async () => (await openUploads(key)).length === 0, 5000)).toBe(true);
  });
});
