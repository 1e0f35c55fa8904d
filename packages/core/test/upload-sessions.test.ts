import { describe, expect, it } from "vitest";
import { createStorage, type UploadSession } from "@stowage/core";
import { codeOf } from "./error-code.ts";
import { mapDriver } from "./map-driver.ts";
import { multipartMapDriver } from "./multipart-map-driver.ts";

const MiB = 1024 * 1024;
const now = Date.UTC(2026, 10, 30, 12, 0, 0);

function setup() {
  const driver = multipartMapDriver();
  let clock = now;
  const storage = createStorage(driver, { clock: () => clock });
  return { driver, storage, advance: (ms: number) => (clock += ms) };
}

describe("uploads", () => {
  it("plans, signs each part with its exact length, and completes into one object", async () => {
    const { driver, storage } = setup();
    const size = 12 * MiB + 5;
    const session = await storage.uploads.create("big.bin", { size, contentType: "video/mp4", metadata: { owner: "ann" }, partSize: 5 * MiB });
    expect(session).toMatchObject({ key: "big.bin", partSize: 5 * MiB, partCount: 3, size, contentType: "video/mp4" });
    expect(JSON.parse(JSON.stringify(session))).toEqual(session);
    await storage.uploads.signParts(JSON.parse(JSON.stringify(session)), [3, 1, 2]);
    expect(driver.signed.map(({ partNumber, size: length }) => [partNumber, length])).toEqual([[3, 2 * MiB + 5], [1, 5 * MiB], [2, 5 * MiB]]);
    driver.stagePart(session.uploadId, 2, new Uint8Array(5 * MiB).fill(2));
    driver.stagePart(session.uploadId, 1, new Uint8Array(5 * MiB).fill(1));
    expect(await storage.exists("big.bin")).toBe(false);
    expect(await codeOf(storage.uploads.complete(session))).toBe("InvalidArgument");
    driver.stagePart(session.uploadId, 3, new Uint8Array(2 * MiB + 5).fill(3));
    expect((await storage.uploads.listParts(session)).map((part) => part.partNumber)).toEqual([1, 2, 3]);
    const info = await storage.uploads.complete(session);
    expect(info).toMatchObject({ size, contentType: "video/mp4", metadata: { owner: "ann" } });
    const bytes = await (await storage.get("big.bin"))!.bytes();
    expect([bytes[0], bytes[5 * MiB], bytes[size - 1]]).toEqual([1, 2, 3]);
  });

  it("aborts and fails with TooLarge when the parts exceed maxSize", async () => {
    const { driver, storage } = setup();
    const session = await storage.uploads.create("capped", { maxSize: 6 * MiB, partSize: 5 * MiB });
    expect(session.partCount).toBeUndefined();
    driver.stagePart(session.uploadId, 1, new Uint8Array(5 * MiB));
    driver.stagePart(session.uploadId, 2, new Uint8Array(2 * MiB));
    expect(await codeOf(storage.uploads.complete(session))).toBe("TooLarge");
    expect(driver.aborted).toEqual([session.uploadId]);
    expect(await storage.exists("capped")).toBe(false);
  });

  it("refuses wrong-sized, missing and re-uploaded parts, leaving the session open", async () => {
    const { driver, storage } = setup();
    const session = await storage.uploads.create("k", { size: 10 * MiB, partSize: 5 * MiB });
    driver.stagePart(session.uploadId, 1, new Uint8Array(4 * MiB));
    driver.stagePart(session.uploadId, 2, new Uint8Array(5 * MiB));
    expect(await codeOf(storage.uploads.complete(session))).toBe("InvalidArgument");
    driver.stagePart(session.uploadId, 1, new Uint8Array(5 * MiB));
    expect(await codeOf(storage.uploads.complete(session, [{ partNumber: 1, etag: "p1-4194304" }, { partNumber: 2, etag: "p2-5242880" }]))).toBe("InvalidArgument");
    expect(driver.aborted).toEqual([]);
    expect((await storage.uploads.complete(session)).size).toBe(10 * MiB);
  });

  it("refuses bad part numbers, a tampered session and an expired one before signing", async () => {
    const { driver, storage, advance } = setup();
    const session = await storage.uploads.create("k", { size: 10 * MiB, partSize: 5 * MiB, expiresIn: 600 });
    expect(await codeOf(storage.uploads.signParts(session, [0]))).toBe("InvalidArgument");
    expect(await codeOf(storage.uploads.signParts(session, [3]))).toBe("InvalidArgument");
    expect(await codeOf(storage.uploads.signParts({ ...session, partSize: "big" } as unknown as UploadSession, [1]))).toBe("InvalidArgument");
    expect(await codeOf(storage.uploads.signParts({ ...session, extra: 1 } as unknown as UploadSession, [1]))).toBe("InvalidArgument");
    await storage.uploads.signParts(session, [1], { expiresIn: 3600 });
    expect(driver.signed.at(-1)!.expiresIn).toBe(600);
    advance(601_000);
    expect(await codeOf(storage.uploads.signParts(session, [1]))).toBe("InvalidArgument");
  });

  it("refuses what the driver cannot do: no multipart, no create-only completion, an impossible plan", async () => {
    expect(await codeOf(createStorage(mapDriver()).uploads.create("k"))).toBe("Unsupported");
    const { storage, driver } = setup();
    expect(await codeOf(storage.uploads.create("k", { ifNotExists: true }))).toBe("Unsupported");
    expect(await codeOf(storage.uploads.create("k", { size: 10_001 * 5 * MiB, partSize: 5 * MiB }))).toBe("InvalidArgument");
    expect(await codeOf(storage.uploads.create("k", { sizee: 5 } as never))).toBe("InvalidArgument");
    expect(await storage.uploads.list()).toEqual([]);
    expect(driver.signed).toEqual([]);
  });

  it("lists uploads and aborts the ones older than a date", async () => {
    const { storage } = setup();
    const first = await storage.uploads.create("a/1");
    await storage.uploads.create("a/2");
    await storage.uploads.create("b/1");
    expect((await storage.uploads.list({ prefix: "a/" })).map((upload) => upload.key)).toEqual(["a/1", "a/2"]);
    expect(await storage.uploads.abortAll({ olderThan: new Date(1500), prefix: "a/" })).toEqual({ aborted: 1 });
    expect((await storage.uploads.list()).map((upload) => upload.uploadId).includes(first.uploadId)).toBe(false);
    await storage.uploads.abort(first);
    expect(await codeOf(storage.uploads.abortAll({} as never))).toBe("InvalidArgument");
  });
});
