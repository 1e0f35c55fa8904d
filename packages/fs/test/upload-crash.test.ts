import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { createStorage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driverBundle, runChild } from "./child-bundle.js";
import { leftoverFiles, removeRoot, tempRoot } from "./temp-root.js";

const signing = { secrets: [{ id: "test", secret: "fs-upload-race-secret-0123456789abcdef" }], baseUrl: "http://localhost/__storage" };
const partSize = 5 * 1024 * 1024;

describe("a process killed in the middle of an upload part", () => {
  let root: string;
  beforeAll(async () => {
    root = await tempRoot("upload-crash");
    await driverBundle();
  }, 60_000);
  afterAll(() => removeRoot(root));

  it("leaves no object and no partial part (the earlier upload of the part stays); cleanup removes the half-written file, abortAll the session", async () => {
    const storage = createStorage(fsDriver({ root, cleanupOnStart: false, signing }));
    const key = "crash/video.bin";
    const session = await storage.uploads.create(key, { size: 2 * partSize, contentType: "video/mp4" });
    const driver = storage.driver;
    const first = await driver.uploadPart!(key, session.uploadId, 1, randomBytes(partSize), { size: partSize });
    const second = await driver.uploadPart!(key, session.uploadId, 2, randomBytes(partSize), { size: partSize });

    // The child re-uploads part 2 and is SIGKILLed with half of it written.
    const result = await runChild("upload-worker.mjs", { root, mode: "crash", session, partNumber: 2, partSize });
    expect(result.signal).toBe("SIGKILL");

    expect(await storage.head(key)).toBeNull();
    const listed: string[] = [];
    for await (const info of storage.listAll()) listed.push(info.key);
    expect(listed).toEqual([]);
    // Part 2 is still the earlier, whole upload.
    expect(await storage.uploads.listParts(session)).toEqual([
      { partNumber: 1, size: partSize, etag: first.etag },
      { partNumber: 2, size: partSize, etag: second.etag },
    ]);
    // What the crash left: the child's half-written part, in the upload's directory.
    const left = await leftoverFiles(root);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(new RegExp(`^%uploads/${session.uploadId}/%tmp-`));

    const report = await fsDriver({ root, cleanupOnStart: false }).cleanup();
    expect(report.temporaryFiles).toBe(1);
    expect(await leftoverFiles(root)).toEqual([]);
    // The session itself outlives the crash (it can still be completed); abortAll ends it.
    expect((await storage.uploads.list()).map((upload) => upload.uploadId)).toEqual([session.uploadId]);
    expect(await storage.uploads.abortAll({ olderThan: new Date(Date.now() + 60_000) })).toEqual({ aborted: 1 });
    expect(await storage.uploads.list()).toEqual([]);
    expect(await readdir(join(root, "%uploads"))).toEqual([]);
    expect(await storage.head(key)).toBeNull();
  }, 60_000);
});
