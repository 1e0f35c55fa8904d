import { createHash, randomBytes } from "node:crypto";
import { createStorage, type Storage, type UploadSession } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driverBundle, runChild } from "./child-bundle.js";
import { leftoverFiles, removeRoot, tempRoot } from "./temp-root.js";

const workers = 4;
const signing = { secrets: [{ id: "test", secret: "fs-upload-race-secret-0123456789abcdef" }], baseUrl: "http://localhost/__storage" };
const mebibyte = 1024 * 1024;

interface WorkerReport {
  won: { uploadId: string; key: string; etag: string; size: number }[];
  lost: Record<string, number>;
}

/** Creates a session of `key` and uploads `parts` to it through the driver. */
async function stagedSession(storage: Storage, key: string, parts: Uint8Array[], ifNotExists: boolean): Promise<UploadSession> {
  const size = parts.reduce((total, part) => total + part.byteLength, 0);
  const session = await storage.uploads.create(key, { size, partSize: parts[0]!.byteLength, ifNotExists, contentType: "application/x-race" });
  for (const [index, part] of parts.entries()) await storage.driver.uploadPart!(key, session.uploadId, index + 1, part, { size: part.byteLength });
  return session;
}

describe("upload sessions completed across processes", () => {
  let root: string;
  let storage: Storage;
  beforeAll(async () => {
    root = await tempRoot("upload-race");
    storage = createStorage(fsDriver({ root, cleanupOnStart: false, signing }));
    await driverBundle();
  }, 60_000);
  afterAll(() => removeRoot(root));

  it("ifNotExists: of 4 processes completing their own session for each of 12 keys, exactly one wins each, with its bytes", async () => {
    const keys = Array.from({ length: 12 }, (_, index) => `race/${index % 3}/key-${index}`);
    const bodies = new Map<string, Uint8Array>();
    const sessions: UploadSession[][] = Array.from({ length: workers }, () => []);
    for (const key of keys) {
      for (let worker = 0; worker < workers; worker++) {
        const body = randomBytes(4096 + worker);
        const session = await stagedSession(storage, key, [body], true);
        bodies.set(session.uploadId, body);
        sessions[worker]!.push(session);
      }
    }
    const startAt = Date.now() + 2000;
    const results = await Promise.all(sessions.map((own) => runChild("upload-worker.mjs", { root, mode: "complete", sessions: own, startAt })));
    const winners = new Map<string, string[]>();
    let alreadyExists = 0;
    for (const result of results) {
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as WorkerReport;
      for (const won of report.won) winners.set(won.key, [...(winners.get(won.key) ?? []), won.uploadId]);
      alreadyExists += report.lost.AlreadyExists ?? 0;
      expect(report.lost.NotFound).toBeUndefined();
    }
    expect(winners.size).toBe(keys.length);
    expect([...winners.values()].every((won) => won.length === 1)).toBe(true);
    expect(alreadyExists).toBe(keys.length * (workers - 1));
    for (const [key, [uploadId]] of winners) {
      const object = await storage.get(key);
      expect(Buffer.from(await object!.bytes()).equals(Buffer.from(bodies.get(uploadId!)!))).toBe(true);
    }
    // The losers' sessions stay open (as on S3) until aborted.
    expect((await storage.uploads.list({ prefix: "race/" })).length).toBe(keys.length * (workers - 1));
    expect((await storage.uploads.abortAll({ olderThan: new Date(Date.now() + 60_000), prefix: "race/" })).aborted).toBe(keys.length * (workers - 1));
    expect(await leftoverFiles(root)).toEqual([]);
  }, 120_000);

  it("4 processes completing the same 6 uploads: one completes each, the others get NotFound, the object is byte-exact", async () => {
    const sessions: UploadSession[] = [];
    const sums = new Map<string, string>();
    for (let index = 0; index < 6; index++) {
      const key = `same/key-${index}`;
      const parts = [randomBytes(8 * mebibyte), randomBytes(8 * mebibyte), randomBytes(1000 + index)];
      const sum = createHash("sha256");
      for (const part of parts) sum.update(part);
      sums.set(key, sum.digest("hex"));
      sessions.push(await stagedSession(storage, key, parts, false));
    }
    const startAt = Date.now() + 2000;
    const results = await Promise.all(Array.from({ length: workers }, () => runChild("upload-worker.mjs", { root, mode: "complete", sessions, startAt })));
    const completed = new Map<string, number>();
    let notFound = 0;
    for (const result of results) {
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as WorkerReport;
      for (const won of report.won) completed.set(won.key, (completed.get(won.key) ?? 0) + 1);
      notFound += report.lost.NotFound ?? 0;
    }
    expect(completed.size).toBe(sessions.length);
    expect([...completed.values()].every((count) => count === 1)).toBe(true);
    expect(notFound).toBe(sessions.length * (workers - 1));
    for (const [key, sum] of sums) {
      const object = await storage.get(key);
      expect(object!.size).toBe(16 * mebibyte + 1000 + Number(key.slice(-1)));
      expect(createHash("sha256").update(await object!.bytes()).digest("hex")).toBe(sum);
    }
    expect(await storage.uploads.list({ prefix: "same/" })).toEqual([]);
    expect(await leftoverFiles(root)).toEqual([]);
  }, 120_000);
});
