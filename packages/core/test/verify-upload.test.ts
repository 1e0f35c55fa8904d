import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStorage, type Storage } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { memoryDriver } from "@stowage/memory";
import { afterAll, beforeAll } from "vitest";
import { describeVerifyUpload } from "./verify-upload-suite.ts";

const memory = createStorage(memoryDriver());
describeVerifyUpload("memory", () => ({ storage: memory, prefix: "uploads/" }));

let root: string;
let fsStorage: Storage;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "stowage-verify-upload-"));
  fsStorage = createStorage(fsDriver({ root }));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});
describeVerifyUpload("fs", () => ({ storage: fsStorage, prefix: "uploads/" }));
