import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeKvConformance } from "@stowage/kv/conformance";
import { fsDriver } from "@stowage/fs";
import { memoryDriver } from "@stowage/memory";
import { storageFixture } from "./kv-fixtures.ts";

describeKvConformance({ name: "memory", create: () => storageFixture(memoryDriver()) });

describeKvConformance({
  name: "fs",
  create: async () => {
    const root = await mkdtemp(join(tmpdir(), "stowage-kv-"));
    return storageFixture(fsDriver({ root }), () => rm(root, { recursive: true, force: true }));
  },
});
