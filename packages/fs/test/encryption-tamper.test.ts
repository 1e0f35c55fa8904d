import { afterAll } from "vitest";
import { fsDriver } from "@stowage/fs";
import { describeTamperCases } from "../../encryption/test/shared/tamper-cases.ts";
import { removeRoot, tempRoot } from "./temp-root.js";

// The tamper matrix of issue 15 through withEncryption over fs: each case
// rewrites the stored file (body and metadata) through the fs driver itself.
const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map(removeRoot));
});

describeTamperCases("fs", async () => {
  const root = await tempRoot("tamper");
  roots.push(root);
  const inner = fsDriver({ root });
  await inner.ready;
  return inner;
});
