import { describe, expect, it } from "vitest";
import { isStorageError, type StorageDriver } from "@stowage/core";
import { s3Driver } from "@stowage/s3";
import { rotateKeys } from "@stowage/encryption";
import { pattern, S } from "./encryption-helpers.ts";
import { afterRotation, beforeRotation, duringRotation, encrypted, instrumented, kids, storedBytes } from "./sweep-helpers.ts";

// Ceph RGW from scripts/test.sh (S3_ENDPOINT, S3_BUCKET, S3_REGION,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY). Skipped without it, except
// under CI=true, where a missing server fails the run.
const endpoint = process.env.S3_ENDPOINT;
const ci = process.env.CI === "true";

function rgw(): StorageDriver {
  if (endpoint === undefined) throw new Error("CI=true and S3_ENDPOINT is unset: scripts/test.sh must start Ceph RGW and export its env for the encryption project");
  return s3Driver({
    bucket: process.env.S3_BUCKET ?? "stowage-test",
    region: process.env.S3_REGION ?? "us-east-1",
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! },
    profile: "ceph-rgw",
  });
}

describe.skipIf(endpoint === undefined && !ci)("rotateKeys on Ceph RGW", () => {
  const prefix = `encryption-rotate/${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}/`;

  it("refuses without unconditional (RGW 16 ignores CopySourceIfMatch), then rotates server-side: no body byte moves, interrupted and resumed, old key removed", async () => {
    const inner = rgw();
    expect(inner.capabilities.copyIfMatch).toBe(false);
    const storage = encrypted(inner, beforeRotation);
    const contents = new Map<string, Uint8Array>();
    for (let index = 0; index < 8; index++) {
      const key = `${prefix}${index}`;
      const body = pattern([0, 1, S, 2 * S + 3][index % 4]!, index);
      await storage.put(key, body, { contentType: "application/x-test", metadata: { index: String(index) } });
      contents.set(key, body);
    }
    const stored = new Map<string, Uint8Array>();
    for (const key of contents.keys()) stored.set(key, await storedBytes(inner, key));

    const refused = await rotateKeys({ driver: inner, keyring: duringRotation, to: "k2", prefix }).catch((caught: unknown) => caught);
    expect(isStorageError(refused, "Unsupported")).toBe(true);
    expect((refused as Error).message).toMatch(/copyIfMatch/);

    const counted = instrumented(inner);
    const controller = new AbortController();
    const interrupted = await rotateKeys({
      driver: counted.driver,
      keyring: duringRotation,
      to: "k2",
      prefix,
      unconditional: true,
      concurrency: 1,
      signal: controller.signal,
      onProgress: (p) => p.changed === 3 && controller.abort(),
    }).catch((caught: unknown) => caught);
    expect(isStorageError(interrupted, "Aborted")).toBe(true);
    const midway = Object.values(await kids(inner, prefix));
    expect(midway.filter((kid) => kid === "k2")).toHaveLength(3);
    const during = encrypted(inner, duringRotation);
    for (const [key, body] of contents) expect(await during.get(key).then((object) => object!.bytes())).toEqual(body);

    const rest = await rotateKeys({ driver: counted.driver, keyring: duringRotation, to: "k2", prefix, unconditional: true });
    expect(rest).toMatchObject({ changed: 5, skipped: 3, failed: 0, bodyBytes: 0 });
    expect(counted.bytes()).toEqual({ read: 0, written: 0 });
    expect(Object.values(await kids(inner, prefix)).every((kid) => kid === "k2")).toBe(true);
    const after = encrypted(inner, afterRotation);
    for (const [key, body] of contents) {
      const object = (await after.get(key))!;
      expect(await object.bytes()).toEqual(body);
      expect(object.metadata).toEqual({ index: key.slice(prefix.length) });
      expect(object.contentType).toBe("application/x-test");
      expect(await storedBytes(inner, key)).toEqual(stored.get(key));
    }
    await inner.delete([...contents.keys()], {});
  }, 120_000);
});
