import { describeConformance } from "@stowage/conformance/vitest";
import { fsDriver } from "@stowage/fs";
import { createStorage } from "@stowage/core";
import { createSignedUrlHandler, storageNonceStore, type SignedUrlHandler } from "@stowage/http";
import { serveHandler } from "@stowage/http/node";
import { leftoverFiles, removeRoot, tempRoot } from "./temp-root.js";

describeConformance({
  name: "fs",
  async create() {
    const root = await tempRoot("conformance");
    const driver = fsDriver({ root });
    await driver.ready;
    return {
      driver,
      leftovers: () => leftoverFiles(root),
      close: () => removeRoot(root),
    };
  },
});

describeConformance({
  name: "fs (portable encoding: for case-insensitive file systems)",
  async create() {
    const root = await tempRoot("conformance-portable");
    const driver = fsDriver({ root, encoding: "portable" });
    await driver.ready;
    return {
      driver,
      leftovers: () => leftoverFiles(root),
      close: () => removeRoot(root),
    };
  },
});

describeConformance({
  name: "fs (blocking: false: every file call goes through the thread pool)",
  async create() {
    const root = await tempRoot("conformance-nonblocking");
    const driver = fsDriver({ root, blocking: false });
    await driver.ready;
    return {
      driver,
      leftovers: () => leftoverFiles(root),
      close: () => removeRoot(root),
    };
  },
});

const signingSecrets = [{ id: "conformance", secret: "fs-conformance-secret-0123456789abcdef-xyz" }];

describeConformance({
  name: "fs with signed URLs over HTTP",
  async create() {
    const root = await tempRoot("signing");
    const nonceRoot = await tempRoot("nonces");
    let handler: SignedUrlHandler | undefined;
    const server = await serveHandler((request) => handler!(request));
    const driver = fsDriver({ root, signing: { secrets: signingSecrets, baseUrl: `${server.url}/__storage` } });
    await driver.ready;
    const nonceDriver = fsDriver({ root: nonceRoot });
    await nonceDriver.ready;
    handler = createSignedUrlHandler(createStorage(driver), {
      secrets: signingSecrets,
      basePath: "/__storage",
      // One-time nonces as create-only markers on disk, so they hold across processes.
      nonceStore: storageNonceStore(createStorage(nonceDriver)),
    });
    return {
      driver,
      leftovers: () => leftoverFiles(root),
      close: async () => {
        await server.close();
        await removeRoot(root);
        await removeRoot(nonceRoot);
      },
    };
  },
});
