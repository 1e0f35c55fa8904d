// delete(key, { ifMatch }) and move on the real server: a conditional
// DeleteObject where the profile has deleteIfMatch (Swift), and a refusal
// naming the reason where it does not (Ceph RGW 16 ignores If-Match).
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { createStorage } from "@stowage/core";
import { afterAll, describe, expect, it } from "vitest";
import { s3Environment } from "./s3-test-environment.ts";
import { recordingClient, rejectionOf, runPrefix, testDriver } from "./s3-test-driver.ts";

const environment = s3Environment();

describe.skipIf(environment === null)(`conditional delete on ${environment?.label ?? "an S3 server"}`, () => {
  const driver = testDriver(environment!);
  const storage = createStorage(driver);
  const prefix = runPrefix("conditional-delete");
  const profile = driver.profile;
  const claimed = profile.deleteIfMatch && !profile.ifMatchMissesMultipartEtag;
  // The server honours If-Match on DeleteObject (for single-part objects on
  // Swift): the driver's mechanics are tested directly, below Storage.
  const honoured = profile.deleteIfMatch;
  const deleteIfMatch = (key: string, ifMatch: string) => driver.delete([key], { ifMatch });
  afterAll(async () => {
    await storage.deletePrefix(prefix);
    driver.raw.destroy();
  });

  it(`deleteIfMatch is ${claimed} (profile.deleteIfMatch and not ifMatchMissesMultipartEtag)`, () => {
    expect(driver.capabilities.deleteIfMatch).toBe(claimed);
    if (!claimed) expect(driver.capabilityHints!.deleteIfMatch).toMatch(/move could lose a concurrent overwrite/);
  });

  it.runIf(honoured)("a stale etag is PreconditionFailed and the object stays; the current one deletes", async () => {
    const key = `${prefix}stale`;
    const first = await storage.put(key, "one");
    const second = await storage.put(key, "two");
    const error = await rejectionOf(deleteIfMatch(key, first.etag));
    expect(error.code).toBe("PreconditionFailed");
    expect(await (await storage.get(key))!.text()).toBe("two");
    await deleteIfMatch(key, second.etag);
    expect(await storage.exists(key)).toBe(false);
  });

  it.runIf(honoured)("an overwrite just before the DeleteObject is not lost (the server compares the etag)", async () => {
    const key = `${prefix}raced`;
    const recorder = recordingClient(environment!);
    const raced = testDriver(environment!, { client: recorder.client });
    try {
      const first = await storage.put(key, "one");
      recorder.setHook(async (command) => {
        if (command === "DeleteObjectCommand") {
          recorder.setHook(undefined);
          await recorder.client.send(new PutObjectCommand({ Bucket: environment!.bucket, Key: key, Body: "newer" }));
        }
      });
      const error = await rejectionOf(raced.delete([key], { ifMatch: first.etag }));
      expect(error.code).toBe("PreconditionFailed");
      expect(await (await storage.get(key))!.text()).toBe("newer");
    } finally {
      recorder.client.destroy();
    }
  });

  it.runIf(honoured)("a missing object is PreconditionFailed (Swift answers 204: the driver reads first)", async () => {
    const error = await rejectionOf(deleteIfMatch(`${prefix}missing`, "0123456789abcdef0123456789abcdef"));
    expect(error.code).toBe("PreconditionFailed");
  });

  it.runIf(!claimed)("delete with ifMatch and move are Unsupported, with the reason", async () => {
    await storage.put(`${prefix}kept`, "x");
    const deleted = await rejectionOf(storage.delete(`${prefix}kept`, { ifMatch: "0123456789abcdef0123456789abcdef" }));
    expect(deleted.code).toBe("Unsupported");
    expect(deleted.message).toMatch(/conditional DeleteObject|manifest etag/);
    const moved = await rejectionOf(storage.move(`${prefix}kept`, `${prefix}elsewhere`));
    expect(moved.code).toBe("Unsupported");
    expect(await storage.exists(`${prefix}kept`)).toBe(true);
    expect(await storage.exists(`${prefix}elsewhere`)).toBe(false);
  });
});
